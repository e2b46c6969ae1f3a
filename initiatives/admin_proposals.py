"""The staff pages of proposed changes (see initiatives.proposals): the proposal form of a
published record, the list of proposals, the side-by-side comparison with its decisions, and
the preview of the public page with a proposal applied."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.forms.formsets import all_valid
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, resolve, reverse
from django.utils.html import format_html

from initiatives.admin_search import ForgivingSearchMixin
from initiatives.models import Proposal, Publishable, elided_of, locked_for
from initiatives.proposals import (
    NNBSP,
    NOT_PROPOSED,
    ProposalRefused,
    Replay,
    describe,
    is_empty,
    may_review,
    may_see,
    publish,
    refused,
    replay_request,
    send_back,
    submit,
    withdraw,
)
from initiatives.typography import french_datetime


def record_admin_url(record, view="change"):
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[record.pk])


def proposal_url(proposal, view="change"):
    return reverse(f"admin:initiatives_proposal_{view}", args=[proposal.pk])


class ProposalAdminMixin:
    """On a publishable record's admin: a banner on a locked record with the way to propose a
    change, the open proposals for reviewers, and the proposal form itself."""

    # Extends the workflow's form (its buttons), adding the proposals' banner.
    change_form_template = "admin/proposals/change_form.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/proposition/",
                self.admin_site.admin_view(self.propose_view),
                name=f"{opts.app_label}_{opts.model_name}_propose",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and not getattr(request, "proposing", False):
            context.update(self.proposals_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def proposals_context(self, request, obj):
        user = request.user
        reviewer = may_review(user, self.model)
        proposals = Proposal.objects.of(obj).select_related("author")
        if not reviewer:
            proposals = proposals.by(user)
        proposals = list(
            proposals.filter(state__in=[Proposal.State.OPEN, Proposal.State.SENT_BACK])
        )
        for proposal in proposals:
            proposal.url = proposal_url(proposal)
        locked = locked_for(user, obj)
        return {
            "proposal_locked": locked,
            "proposal_may_propose": locked and user.has_perm(self._change_permission()),
            "propose_url": record_admin_url(obj, "propose"),
            "open_proposals": [p for p in proposals if p.is_open],
            "sent_back_proposals": [p for p in proposals if not p.is_open],
            "proposal_reviewer": reviewer,
        }

    def _change_permission(self):
        opts = self.model._meta
        return f"{opts.app_label}.change_{opts.model_name}"

    def propose_view(self, request, object_id):
        request.proposing = True
        with transaction.atomic(using=router.db_for_write(self.model)):
            return self._propose_view(request, object_id)

    def _propose_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not request.user.has_perm(self._change_permission()):
            raise PermissionDenied
        if not locked_for(request.user, obj):
            self.message_user(
                request,
                "Cette fiche se modifie directement, sans proposition.",
                messages.INFO,
            )
            return HttpResponseRedirect(record_admin_url(obj))
        proposal = (
            Proposal.objects.of(obj)
            .by(request.user)
            .filter(state__in=[Proposal.State.OPEN, Proposal.State.SENT_BACK])
            .order_by("-updated_at")
            .first()
        )
        fieldsets = self.get_fieldsets(request, obj)
        fields = [name for name in flatten_fieldsets(fieldsets) if name not in NOT_PROPOSED]
        form_class = self.get_form(request, obj, change=True, fields=fields)
        comment = proposal.comment if proposal else ""
        if request.method == "POST":
            comment = request.POST.get("proposal_comment", "").strip()
            form = form_class(request.POST, request.FILES, instance=obj)
            formsets, inline_instances = self._create_formsets(request, obj, change=True)
            valid = form.is_valid()
            valid = all_valid(formsets) and valid
            if valid and request.FILES:
                form.add_error(
                    None,
                    "Une proposition ne peut pas joindre de fichier"
                    f"{NNBSP}: demandez à un relecteur de le déposer.",
                )
                valid = False
            if valid and is_empty(describe(form, formsets)):
                form.add_error(
                    None,
                    "Votre proposition ne change rien à la fiche publiée"
                    f"{NNBSP}: modifiez au moins un champ ou une ligne.",
                )
                valid = False
            if valid:
                proposal = submit(obj, request.user, form, formsets, comment, proposal)
                self.message_user(
                    request,
                    "Votre proposition est enregistrée. Un relecteur la comparera avec la "
                    "version publiée avant de la publier ou de vous la renvoyer"
                    f"{NNBSP}; d’ici là, le public voit toujours la version publiée.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(proposal_url(proposal))
        elif proposal is not None:  # re-editing: the proposal as it was submitted
            data = proposal.form_data()
            form = form_class(data, instance=obj)
            formsets, inline_instances = self._create_formsets(
                replay_request(request, data), obj, change=True
            )
        else:
            form = form_class(instance=obj)
            formsets, inline_instances = self._create_formsets(request, obj, change=True)

        readonly = [*self.get_readonly_fields(request, obj), *NOT_PROPOSED]
        admin_form = helpers.AdminForm(form, list(fieldsets), {}, readonly, model_admin=self)
        inline_formsets = self.get_inline_formsets(request, formsets, inline_instances, obj)
        media = self.media + admin_form.media
        for inline_formset in inline_formsets:
            media += inline_formset.media
        context = {
            **self.admin_site.each_context(request),
            "title": f"Proposer une modification {elided_of(self.opts.verbose_name)}",
            "subtitle": str(obj),
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": media,
            "inline_admin_formsets": inline_formsets,
            "errors": helpers.AdminErrorList(form, formsets),
            "preserved_filters": self.get_preserved_filters(request),
            "proposal": proposal,
            "proposal_comment": comment,
            "record_url": record_admin_url(obj),
        }
        response = self.render_change_form(request, context, change=True, obj=obj)
        response.template_name = "admin/proposals/proposal_form.html"
        return response


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RecordKindFilter(admin.SimpleListFilter):
    title = "type de fiche"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        types = ContentType.objects.get_for_models(*publishable_models())
        return [(str(ct.pk), model._meta.verbose_name) for model, ct in types.items()]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(content_type_id=self.value())
        return queryset


def publishable_models():
    # From the admin's registry: actors' models are reached without importing upward.
    return [model for model in admin.site._registry if issubclass(model, Publishable)]


def may_use_proposals(user):
    return (
        user.is_active
        and user.is_staff
        and any(
            user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}")
            for model in publishable_models()
        )
    )


def reviews_some(user):
    return any(may_review(user, model) for model in publishable_models())


@admin.register(Proposal)
class ProposalAdmin(ForgivingSearchMixin, admin.ModelAdmin):
    list_display = ["record_link", "record_kind", "author", "state", "updated"]
    list_filter = ["state", RecordKindFilter]
    list_select_related = ["author", "content_type"]
    search_fields = ["comment", "author__username", "author__last_name"]
    date_hierarchy = None

    def get_urls(self):
        opts = self.model._meta
        info = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.changelist_view), name=f"{info}_changelist"),
            path("<int:object_id>/", wrap(self.change_view), name=f"{info}_change"),
            path("<int:object_id>/apercu/", wrap(self.preview_view), name=f"{info}_preview"),
        ]

    def get_queryset(self, request):
        proposals = super().get_queryset(request).prefetch_related("record")
        if reviews_some(request.user):
            return proposals
        return proposals.by(request.user)

    def has_module_permission(self, request):
        return may_use_proposals(request.user)

    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return may_see(request.user, obj)
        return may_use_proposals(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="mise à jour le", ordering="updated_at")
    def updated(self, proposal):
        return french_datetime(proposal.updated_at)

    @admin.display(description="fiche")
    def record_link(self, proposal):
        record = proposal.record
        if record is None:
            return "fiche supprimée"
        return format_html('<a href="{}">{}</a>', proposal_url(proposal), record)

    @admin.display(description="type", ordering="content_type")
    def record_kind(self, proposal):
        return proposal.content_type.model_class()._meta.verbose_name

    def get_proposal(self, request, object_id):
        proposal = get_object_or_404(
            Proposal.objects.select_related("author", "content_type", "decided_by"),
            pk=object_id,
        )
        if proposal.content_type.model_class() not in publishable_models() or not may_see(
            request.user, proposal
        ):
            raise Http404("Proposition introuvable.")  # a stranger's: not even its existence
        return proposal

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The side-by-side comparison, and the decisions on it."""
        proposal = self.get_proposal(request, object_id)
        model = proposal.content_type.model_class()
        reviewer = may_review(request.user, model)
        author = proposal.author_id == request.user.pk
        form = DecisionForm(request.POST or None)
        if request.method == "POST":
            response = self.decide(request, proposal, form, reviewer, author)
            if response is not None:
                return response
        replay = Replay(proposal, request)
        record_name = str(replay.record or "")  # before the replay writes the proposal on it
        if replay.record is None:
            fields, parts = [], []
        else:
            fields, parts = replay.comparison()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Proposition de modification {elided_of(model._meta.verbose_name)}",
            "subtitle": record_name,
            "record_name": record_name,
            "opts": self.opts,
            "proposal": proposal,
            "record": replay.record,
            "record_url": record_admin_url(replay.record) if replay.record else None,
            "propose_url": record_admin_url(replay.record, "propose") if replay.record else None,
            "preview_url": proposal_url(proposal, "preview"),
            "fields": fields,
            "parts": [part for part in parts if part.rows],
            "problems": replay.problems,
            "refusal": refused(replay) if replay.problems else "",
            "form": form,
            "may_decide": reviewer and proposal.is_open,
            "may_withdraw": author
            and proposal.state
            in (
                Proposal.State.OPEN,
                Proposal.State.SENT_BACK,
            ),
            "may_edit": author
            and proposal.state
            in (
                Proposal.State.OPEN,
                Proposal.State.SENT_BACK,
            ),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/proposals/compare.html", context)

    def decide(self, request, proposal, form, reviewer, author):
        form.is_valid()
        comment = form.cleaned_data.get("comment", "").strip()
        back = HttpResponseRedirect(proposal_url(proposal))
        if "_publish" in request.POST or "_send_back" in request.POST:
            if not reviewer:
                raise PermissionDenied(
                    "Seuls les relecteurs publient ou renvoient une proposition."
                )
            if not proposal.is_open:
                self.message_user(
                    request, f"Cette proposition n’est plus en attente{NNBSP}.", messages.ERROR
                )
                return back
        if "_publish" in request.POST:
            try:
                record = publish(proposal, request, comment)
            except ProposalRefused as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
                for problem in refusal.problems:
                    self.message_user(request, problem, messages.ERROR)
                return back
            self.message_user(
                request,
                f"La proposition de {proposal.author_name} est publiée{NNBSP}: « {record} » "
                "est à jour.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(record_admin_url(record))
        if "_send_back" in request.POST:
            if not comment:
                form.add_error(
                    "comment",
                    f"Dites à l’auteur ce qu’il doit reprendre{NNBSP}: le commentaire est "
                    "obligatoire pour renvoyer une proposition.",
                )
                return None
            send_back(proposal, request.user, comment)
            self.message_user(
                request,
                f"La proposition est renvoyée à {proposal.author_name}, avec votre commentaire.",
                messages.SUCCESS,
            )
            return back
        if "_withdraw" in request.POST:
            if not author or proposal.state not in (
                Proposal.State.OPEN,
                Proposal.State.SENT_BACK,
            ):
                raise PermissionDenied("Seul son auteur retire une proposition en attente.")
            withdraw(proposal)
            self.message_user(request, "Votre proposition est retirée.", messages.SUCCESS)
            return back
        self.message_user(request, f"Action inconnue{NNBSP}: rien n’a été fait.", messages.ERROR)
        return back

    def preview_view(self, request, object_id):
        """The public page of the record with the proposal applied, never saved."""
        proposal = self.get_proposal(request, object_id)
        with transaction.atomic():
            replay = Replay(proposal, request)
            if not replay.is_valid():
                transaction.set_rollback(True)
                self.message_user(
                    request,
                    "Aperçu impossible" + NNBSP + ": " + " ".join(replay.problems),
                    messages.ERROR,
                )
                return HttpResponseRedirect(proposal_url(proposal))
            record = replay.save(publish=False)
            match = resolve(record.get_absolute_url())
            request.proposal_preview = proposal
            response = match.func(request, *match.args, **match.kwargs)
            if hasattr(response, "render"):
                response.render()
            transaction.set_rollback(True)
        response["Cache-Control"] = "private, no-store"
        return response
