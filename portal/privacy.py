"""Data-protection requests about a person, from the staff site and the command line: erasure
(« Anonymiser ») and access (« Exporter ses données »). The work is `actors.privacy`'s; this
module adds what sits above actors: the admin actions, the audit log line, the page cache.

Only the Administrateur group may do either (the `actors.erase_person` permission, see
portal.staff): an erasure cannot be undone, and an export reveals what the public never sees.
"""

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.template.response import TemplateResponse

from actors.admin import PersonAdmin
from actors.models import Affiliation, Involvement, Person
from actors.privacy import (
    Erasure,
    PersonalDataEncoder,
    erase_person,
    erased_labels,
    personal_data,
)
from initiatives.admin_search import ForgivingSearchMixin
from initiatives.models import Proposal, SourceCitation
from portal.security import audit

NNBSP = "\u202f"


class PersonNotFound(Exception):
    pass


def find_person(reference):
    """The person of a slug or a number, else PersonNotFound with a French message."""
    reference = str(reference).strip()
    condition = Q(slug=reference)
    if reference.isdigit():
        condition |= Q(pk=int(reference))
    person = Person.objects.filter(condition).first()
    if person is None:
        raise PersonNotFound(
            f"Aucune personne n’a l’adresse ou le numéro «{NNBSP}{reference}{NNBSP}»."
        )
    return person


def anonymise(person, *, keep_roles, request=None, user=None, username=""):
    """Erase the person's data, log it, and forget cached pages once it is committed: cached
    copies of their page would otherwise stay in the cache table (and in backups of it) until
    culled, though never served again."""
    with transaction.atomic():
        erasure = erase_person(person, keep_roles=keep_roles, user=user, username=username)
        transaction.on_commit(caches["default"].clear)
    audit(
        "erasure",
        request,
        erasure.erased_by_name,
        person_id=erasure.person_id,
        fields=erasure.fields,
        roles_kept=erasure.roles_kept,
    )
    return erasure


def export(person, *, request=None, username=""):
    """Everything held about the person, as indented JSON text, and the audit line."""
    text = json.dumps(personal_data(person), cls=PersonalDataEncoder, ensure_ascii=False, indent=2)
    audit("personal_data_export", request, username, person_id=person.pk)
    return text


def staff_user(username):
    return get_user_model().objects.filter(username=username).first()


class AnonymiseForm(forms.Form):
    keep_roles = forms.BooleanField(
        label="Conserver la trace publique de ses rôles (implications et fonctions) sous un "
        "nom anonyme",
        required=False,
    )
    confirmed = forms.BooleanField(widget=forms.HiddenInput, initial=True)


def _one_person(modeladmin, request, queryset):
    people = list(queryset[:2])
    if len(people) != 1:
        modeladmin.message_user(
            request,
            f"Choisissez une seule personne{NNBSP}: une demande porte sur une personne à la fois.",
            messages.WARNING,
        )
        return None
    return people[0]


def has_erase_permission(self, request):
    return request.user.has_perm("actors.erase_person")


@admin.action(description="Anonymiser la personne choisie", permissions=["erase"])
def anonymise_action(modeladmin, request, queryset):
    person = _one_person(modeladmin, request, queryset)
    if person is None:
        return None
    form = AnonymiseForm(
        request.POST if "confirmed" in request.POST else None,
        initial={"keep_roles": settings.REGISTRE_ERASURE_KEEPS_ROLES},
    )
    if form.is_valid():
        keep_roles = form.cleaned_data["keep_roles"]
        anonymise(person, keep_roles=keep_roles, request=request, user=request.user)
        roles = (
            "ses rôles restent publics sous un nom anonyme"
            if keep_roles
            else "ses rôles sont supprimés"
        )
        modeladmin.message_user(
            request,
            # The erased name stays out of the message too (kept in the session until shown).
            f"La personne n° {person.pk} est anonymisée{NNBSP}: nom, présentation, "
            f"coordonnées et sources effacés, historique compris{NNBSP}; {roles}.",
            messages.SUCCESS,
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Anonymiser une personne",
        "opts": Person._meta,
        "form": form,
        "person": person,
        "counts": {
            "versions": Person.history.filter(id=person.pk).count(),
            "affiliations": Affiliation.objects.filter(person=person).count(),
            "involvements": Involvement.objects.filter(person=person).count(),
            "sources": SourceCitation.objects.filter(
                content_type__app_label="actors",
                content_type__model="person",
                object_id=person.pk,
            ).count(),
            "proposals": Proposal.objects.of(person).count(),
        },  # fmt: skip
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/actors/person/anonymise.html", context)


@admin.action(description="Exporter ses données (droit d’accès)", permissions=["erase"])
def export_action(modeladmin, request, queryset):
    person = _one_person(modeladmin, request, queryset)
    if person is None:
        return None
    response = HttpResponse(
        export(person, request=request, username=request.user.get_username()),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="donnees-personne-{person.pk}.json"'
    return response


# Person's admin is actors', which cannot import portal: the actions are added from here.
PersonAdmin.has_erase_permission = has_erase_permission
PersonAdmin.actions = [*PersonAdmin.actions, anonymise_action, export_action]


@admin.register(Erasure)
class ErasureAdmin(ForgivingSearchMixin, admin.ModelAdmin):
    """The log of erasures, read-only: nobody edits or removes what was done."""

    search_fields = ["erased_by_name"]
    list_display = ["erased_at", "person_id", "erased_by_name", "roles_kept"]
    fields = ["erased_at", "person_id", "erased_by_name", "erased_fields", "roles_kept"]
    readonly_fields = fields

    @admin.display(description="effacé")
    def erased_fields(self, obj):
        return ", ".join(erased_labels(obj.fields))

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip().isdigit():  # a person's number
            found = found | queryset.filter(person_id=int(search_term))
        return found, duplicates

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
