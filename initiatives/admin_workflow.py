"""The review workflow in the staff site: buttons on a record with an optional comment, the last
steps shown on its form, bulk actions that say why nothing happened, and the publication check
(linked records that are not public, offered for publication in the same transaction)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from initiatives import workflow
from initiatives.admin_search import ForgivingSearchMixin
from initiatives.models import ReviewEmailPreference, ReviewStep, publish_permission

COMMENT_MAX = 5000
SHOWN_STEPS = 5


def change_url(record):
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def refused_page(request, message, back=None):
    """A French 403 in the staff site's layout, not the server's bare one."""
    context = {
        **admin.site.each_context(request),
        "title": "Action refusée",
        "message": message,
        "back": back,
    }
    return TemplateResponse(request, "admin/workflow/refused.html", context, status=403)


def chosen_links(request, groups):
    """The linked records ticked on the confirmation page that the user may publish."""
    chosen = set(request.POST.getlist("also_publish"))
    return [
        linked
        for group in groups
        for linked in group.records
        if workflow.link_key(linked) in chosen
        and workflow.refusal("publish", request.user, linked) is None
    ]


class WorkflowAdminMixin:
    """For the admin of a publishable model: the state changes through the workflow only."""

    change_form_template = "admin/workflow/change_form.html"
    actions = ["publish", "send_to_review", "archive", "back_to_draft", "mark_verified"]

    def has_publish_permission(self, request):
        return request.user.has_perm(publish_permission(self.model))

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "publication_state"]

    def get_urls(self):
        opts = self.model._meta
        own = [
            path(
                "<path:object_id>/etape/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{opts.app_label}_{opts.model_name}_transition",
            )
        ]
        return own + super().get_urls()

    def transition_url(self, obj, name):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_transition", args=[obj.pk, name])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["workflow_actions"] = [
                {"name": t.name, "label": t.label, "url": self.transition_url(obj, t.name)}
                for t in workflow.available(request.user, obj)
            ]
            context["review_steps"] = list(
                ReviewStep.objects.of(obj).select_related("user", "addressed_to")[:SHOWN_STEPS]
            )
            context["workflow_record"] = obj
        return super().render_change_form(request, context, add, change, form_url, obj)

    # One record, from its buttons.

    def transition_view(self, request, object_id, name):
        transition = workflow.TRANSITIONS.get(name)
        if transition is None:
            raise Http404("Cette étape de relecture n'existe pas.")
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("Cette fiche n'existe pas ou a été supprimée.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        back = change_url(obj)
        refused = workflow.refusal(name, request.user, obj)
        if refused is not None and refused.permission:
            return refused_page(request, refused.message, back)
        if refused is not None:
            self.message_user(request, refused.message, messages.ERROR)
            return HttpResponseRedirect(back)
        groups = workflow.unpublished_links(obj) if name == "publish" else []
        comment = request.POST.get("comment", "")[:COMMENT_MAX]
        if request.method != "POST" or (groups and "confirmed" not in request.POST):
            return self.confirmation_page(request, transition, [(obj, groups)], comment)
        also = chosen_links(request, groups)
        try:
            workflow.perform(name, obj, request.user, comment, also_publish=also)
        except workflow.TransitionRefused as error:
            if error.permission:
                return refused_page(request, error.message, back)
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(back)
        one, _ = transition.done
        self.message_user(request, f"« {obj} »{workflow.NNBSP}: {one}.", messages.SUCCESS)
        self.tell_what_is_missing(request, obj, groups, also)
        return HttpResponseRedirect(back)

    def tell_what_is_missing(self, request, obj, groups, also):
        published = {workflow.link_key(linked) for linked in also}
        if published:
            names = ", ".join(f"« {linked} »" for linked in also)
            self.message_user(request, f"Publiées avec elle{workflow.NNBSP}: {names}.")
        for sentence in workflow.missing_after(obj, groups, published):
            self.message_user(request, f"« {obj} »{workflow.NNBSP}: {sentence}", messages.WARNING)

    def confirmation_page(self, request, transition, items, comment, selected=None):
        opts = self.model._meta
        rows = []
        for obj, groups in items:
            rows.append(
                {
                    "record": obj,
                    "url": change_url(obj),
                    "groups": [
                        {
                            "label": group.label,
                            "consequence": group.consequence,
                            "records": [
                                {
                                    "record": linked,
                                    "key": workflow.link_key(linked),
                                    "kind": linked._meta.verbose_name,
                                    "url": change_url(linked),
                                    "allowed": workflow.refusal("publish", request.user, linked)
                                    is None,
                                }
                                for linked in group.records
                            ],
                        }
                        for group in groups
                    ],
                }
            )
        single = selected is None
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": f"{transition.label} « {items[0][0]} »" if single else transition.label,
            "transition": transition,
            "rows": rows,
            "comment": comment,
            "single": single,
            "selected": selected or [],
            "action_url": self.transition_url(items[0][0], transition.name) if single else "",
            "cancel_url": change_url(items[0][0])
            if single
            else reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        }
        return TemplateResponse(request, "admin/workflow/confirm.html", context)

    # Several records, from the changelist.

    def run_bulk(self, request, queryset, name, comment=""):
        done, refused = workflow.bulk(name, queryset, request.user, comment)
        level = messages.SUCCESS if done and not refused else messages.WARNING
        self.message_user(request, workflow.bulk_message(name, done, refused), level)
        return done

    @admin.action(description="Publier", permissions=["publish"])
    def publish(self, request, queryset):
        records = list(queryset)
        items = [
            (obj, workflow.unpublished_links(obj))
            for obj in records
            if workflow.refusal("publish", request.user, obj) is None
        ]
        if any(groups for _, groups in items) and "confirmed" not in request.POST:
            return self.confirmation_page(
                request,
                workflow.TRANSITIONS["publish"],
                [(obj, groups) for obj, groups in items if groups],
                "",
                selected=[obj.pk for obj in records],
            )
        comment = request.POST.get("comment", "")[:COMMENT_MAX]
        groups_of = {obj.pk: groups for obj, groups in items}
        done, refused = [], {}
        for obj in records:
            groups = groups_of.get(obj.pk, [])
            also = chosen_links(request, groups)
            try:
                workflow.perform("publish", obj, request.user, comment, also_publish=also)
            except workflow.TransitionRefused as error:
                refused.setdefault(error.reason, []).append(obj)
                continue
            done.append(obj)
            self.tell_what_is_missing(request, obj, groups, also)
        level = messages.SUCCESS if done and not refused else messages.WARNING
        self.message_user(request, workflow.bulk_message("publish", done, refused), level)

    @admin.action(description="Archiver", permissions=["publish"])
    def archive(self, request, queryset):
        self.run_bulk(request, queryset, "archive")

    @admin.action(description="Dépublier (repasser en brouillon)", permissions=["publish"])
    def back_to_draft(self, request, queryset):
        self.run_bulk(request, queryset, "unpublish")

    @admin.action(description="Envoyer en relecture", permissions=["change"])
    def send_to_review(self, request, queryset):
        self.run_bulk(request, queryset, "submit")

    @admin.action(description="Marquer comme vérifiées", permissions=["change"])
    def mark_verified(self, request, queryset):
        self.run_bulk(request, queryset, "verify")


class ReviewEmailPreferenceAdmin(ForgivingSearchMixin, admin.ModelAdmin):
    """Each agent chooses how they hear of submissions; an agent sees only their own choice
    (a superuser sees everyone's)."""

    list_display = ["user", "frequency"]
    fields = ["frequency"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (
            obj is None or obj.user_id == request.user.pk or request.user.is_superuser
        )

    has_change_permission = has_view_permission

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user=request.user)

    def changelist_view(self, request, extra_context=None):
        if not self.has_module_permission(request):
            raise PermissionDenied
        own, _ = ReviewEmailPreference.objects.get_or_create(user=request.user)
        return HttpResponseRedirect(
            reverse("admin:initiatives_reviewemailpreference_change", args=[own.pk])
        )
