"""Duplicate organisations: the warning shown before a likely duplicate is created, and the
merge that moves everything of a duplicate to the organisation kept (see
Organisation.objects.likely_duplicates_of for the detection rules, which imports may call too).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from actors.models import Affiliation, Funding, Involvement, Organisation, OrganisationRedirect
from initiatives.concurrency import ConcurrentEditForm
from initiatives.models import ReviewStep, SourceCitation

# Filled in the kept organisation from the duplicate when it has none.
FILLED_IN = ("acronym", "description", "website", "siren", "rna", "territory", "founded_on")


def reasons(duplicate):
    """Why an organisation found by likely_duplicates_of was found, in French."""
    found = []
    if duplicate.same_siren:
        found.append("même SIREN")
    if duplicate.similar_name:
        found.append("nom semblable dans le même territoire")
    if duplicate.same_domain:
        found.append("même site web")
    return ", ".join(found)


def fill_blanks(kept, other, names):
    """Give `kept` the values of `other` where it has none; True if anything changed."""
    changed = False
    for name in names:
        if getattr(kept, name) in (None, "") and getattr(other, name) not in (None, ""):
            setattr(kept, name, getattr(other, name))
            changed = True
    return changed


def _move(rows, kept_field, kept, twin_of, reason, blanks):
    """Point each row at `kept`, or fold it into the row of `kept` it would duplicate."""
    for row in rows:
        twin = twin_of(row)
        if twin is None:
            setattr(row, kept_field, kept)
            row._change_reason = reason
            row.save()
        else:
            if fill_blanks(twin, row, blanks):
                twin._change_reason = reason
                twin.save()
            row._change_reason = reason
            row.delete()


@transaction.atomic
def merge_organisations(kept, duplicates):
    """Move every role, funding, affiliation, organised event, document, unit, source and
    review step of the duplicates to `kept`, in one transaction; delete the duplicates (their
    history stays, with the reason) and keep their addresses as redirects to `kept`.

    Rows that would repeat one of `kept` (a second funding of the same initiative, the same
    role in the same initiative, the same job) are folded into it: their blank fields filled.
    """
    kept = Organisation.objects.select_for_update().get(pk=kept.pk)
    duplicates = list(
        Organisation.objects.select_for_update().filter(pk__in=[d.pk for d in duplicates])
    )
    organisation_type = ContentType.objects.get_for_model(Organisation)
    for duplicate in duplicates:
        if duplicate.pk == kept.pk:
            continue
        reason = f"Fusion de « {duplicate.name} » (n° {duplicate.pk}) dans « {kept.name} »"
        _move(
            Involvement.objects.filter(organisation=duplicate),
            "organisation",
            kept,
            lambda row: Involvement.objects.filter(
                organisation=kept, initiative_id=row.initiative_id, role=row.role
            ).first(),
            reason,
            ("start", "end", "amount", "note"),
        )
        _move(
            Funding.objects.filter(beneficiary=duplicate),
            "beneficiary",
            kept,
            lambda row: Funding.objects.filter(
                beneficiary=kept, initiative_id=row.initiative_id
            ).first(),
            reason,
            ("amount", "date", "note"),
        )
        _move(
            Affiliation.objects.filter(organisation=duplicate),
            "organisation",
            kept,
            lambda row: Affiliation.objects.filter(
                organisation=kept, person_id=row.person_id, job_title=row.job_title
            ).first(),
            reason,
            ("start", "end", "note"),
        )
        kept._change_reason = reason
        kept.organised_events.add(*duplicate.organised_events.all())
        kept.documents.add(*duplicate.documents.all())
        if kept.parent_id == duplicate.pk:
            kept.parent_id = duplicate.parent_id
        for unit in Organisation.objects.filter(parent=duplicate).exclude(pk=kept.pk):
            unit.parent = kept
            unit._change_reason = reason
            unit.save()
        for model in (SourceCitation, ReviewStep):
            model.objects.filter(content_type=organisation_type, object_id=duplicate.pk).update(
                object_id=kept.pk
            )
        OrganisationRedirect.objects.filter(organisation=duplicate).update(organisation=kept)
        OrganisationRedirect.objects.filter(old_slug=duplicate.slug).delete()
        OrganisationRedirect.objects.create(old_slug=duplicate.slug, organisation=kept)
        duplicate.organised_events.clear()
        duplicate.documents.clear()
        duplicate._change_reason = f"Fusionnée dans « {kept.name} » (n° {kept.pk})"
        # Its identifiers pass to the kept record: freed first, the constraint is unique.
        identifiers = Organisation(siren=duplicate.siren, rna=duplicate.rna)
        duplicate.delete()
        fill_blanks(kept, duplicate, [n for n in FILLED_IN if n not in ("siren", "rna")])
        fill_blanks(kept, identifiers, ("siren", "rna"))
        kept._change_reason = reason
        kept.save()
    return kept


class DuplicateAwareForm(ConcurrentEditForm):
    """On creation, stops at likely duplicates until "Enregistrer quand même" is ticked."""

    save_anyway = forms.BooleanField(
        label="Enregistrer quand même",
        required=False,
        help_text="Cochez si l’organisation n’est aucune des organisations semblables signalées.",
    )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None or cleaned.get("save_anyway"):
            return cleaned
        likely = list(
            Organisation.objects.likely_duplicates_of(
                name=cleaned.get("name") or "",
                territory=cleaned.get("territory"),
                website=cleaned.get("website") or "",
                siren=cleaned.get("siren") or "",
            )[:10]
        )
        if likely:
            items = format_html_join(
                "",
                '<li><a href="{}" target="_blank">{}</a> ({})</li>',
                (
                    (f"../{organisation.pk}/change/", str(organisation), reasons(organisation))
                    for organisation in likely
                ),
            )
            raise ValidationError(
                format_html(
                    "Cette organisation existe peut-être déjà\u202f:<ul>{}</ul>Vérifiez, puis "
                    "cochez « Enregistrer quand même » si ce n’en est aucune.",
                    items,
                ),
                code="likely_duplicate",
            )
        return cleaned


class MergeForm(forms.Form):
    kept = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Organisation conservée",
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kept"].queryset = organisations
        # "CERDD — association, Lille": which is which, when the names look alike.
        self.fields["kept"].label_from_instance = Organisation.autocomplete_label


class DuplicatesAdminMixin:
    """For OrganisationAdmin: the warning on creation and the "Fusionner" action."""

    form = DuplicateAwareForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            fieldsets = [*fieldsets, ("Doublons possibles", {"fields": ["save_anyway"]})]
        return fieldsets

    def has_merge_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(
            f"{opts.app_label}.publish_{opts.model_name}"
        ) and request.user.has_perm(f"{opts.app_label}.delete_{opts.model_name}")

    @admin.action(description="Fusionner les organisations choisies", permissions=["merge"])
    def merge(self, request, queryset):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        organisations = queryset.select_related("territory", "parent").order_by("sort_key", "pk")
        if len(organisations) < 2:
            self.message_user(
                request, "Choisissez au moins deux organisations à fusionner.", messages.WARNING
            )
            return None
        form = MergeForm(
            request.POST if "kept" in request.POST else None, organisations=organisations
        )
        if form.is_valid():
            kept = form.cleaned_data["kept"]
            others = [organisation for organisation in organisations if organisation != kept]
            merge_organisations(kept, others)
            names = ", ".join(f"« {organisation.name} »" for organisation in others)
            self.message_user(
                request,
                f"{names} fusionnée(s) dans « {kept.name} »\u202f: rôles, financements, "
                "affiliations, événements, documents et sources déplacés ; l’ancienne adresse "
                "publique renvoie vers celle-ci.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Fusionner des organisations",
            "opts": self.model._meta,
            "form": form,
            "organisations": organisations,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/actors/organisation/merge.html", context)
