from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections, models, router, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from initiatives.admin_proposals import ProposalAdminMixin
from initiatives.admin_search import ForgivingSearchMixin
from initiatives.admin_translations import TranslatedAdminMixin, TranslatedInlineMixin
from initiatives.admin_workflow import ReviewEmailPreferenceAdmin, WorkflowAdminMixin
from initiatives.concurrency import (
    VERSION_FIELD,
    ConcurrentEditForm,
    VersionedGenericInlineFormSet,
    VersionedInlineFormSet,
)
from initiatives.followup import (
    FollowUpFilter,
    ResponsibleChoiceField,
    VerificationFilter,
    staff_members,
    verification_due,
)
from initiatives.forms import KeyFigureForm
from initiatives.history import Part, timeline, version_links, when
from initiatives.imports import SpreadsheetImportExportMixin
from initiatives.models import (
    ActivityType,
    Document,
    Event,
    Initiative,
    KeyFigure,
    Keyword,
    KeywordLabel,
    Milestone,
    ReviewEmailPreference,
    SourceCitation,
    Territory,
    Theme,
    locked_for,
)
from initiatives.numbers import FrenchDecimalField
from initiatives.proposals import proposing
from initiatives.resources import InitiativeResource


def sources_of(record):
    return {"content_type": ContentType.objects.get_for_model(record), "object_id": record.pk}


def source_name(record, names):
    return names(Document, record.document_id) if record.document_id else record.url


def stored(record):
    """The record as the database holds it (a form or a history version may differ)."""
    return type(record).objects.filter(pk=record.pk).first() if record.pk else None


def with_version_field(fieldsets, keep):
    """The fieldsets with the hidden version last if the form may be saved, without it if not
    (a read-only page would show it as an empty line)."""

    def strip(fields):
        kept = []
        for item in fields:
            if isinstance(item, list | tuple):
                item = tuple(name for name in item if name != VERSION_FIELD)
                if item:
                    kept.append(item)
            elif item != VERSION_FIELD:
                kept.append(item)
        return kept

    fieldsets = [
        (name, {**options, "fields": strip(options["fields"])}) for name, options in fieldsets
    ]
    if keep and fieldsets:
        name, options = fieldsets[-1]
        fieldsets[-1] = (name, {**options, "fields": [*options["fields"], VERSION_FIELD]})
    return fieldsets


def in_transaction(model):
    return connections[router.db_for_write(model)].in_atomic_block


# Amounts and figures written and shown the French way ("1 200,5"), never "1200.00".
FRENCH_NUMBERS = {models.DecimalField: {"form_class": FrenchDecimalField}}


class VersionedInline:
    """An inline whose rows carry their version (see initiatives.concurrency)."""

    form = ConcurrentEditForm
    formfield_overrides = FRENCH_NUMBERS
    formset = VersionedInlineFormSet

    def get_fieldsets(self, request, obj=None):
        # A published whole is read-only for a Rédacteur: its rows too, without the version.
        keep = self.has_change_permission(request, obj) and not (
            hasattr(obj, "publication_state") and locked_for(request.user, obj)
        )
        return with_version_field(super().get_fieldsets(request, obj), keep)


class LockedHistoryAdmin(ForgivingSearchMixin, SimpleHistoryAdmin):
    """History with revert, where reverting is a change of the record as it stands now, and
    saves that never overwrite unseen changes (see initiatives.concurrency)."""

    form = ConcurrentEditForm
    formfield_overrides = FRENCH_NUMBERS
    history_parts = ()  # Part: kinds of rows whose history joins the record's timeline

    def get_fieldsets(self, request, obj=None):
        keep = obj is None or self.has_change_permission(request, obj)
        return with_version_field(super().get_fieldsets(request, obj), keep)

    def get_object(self, request, object_id, from_field=None):
        if request.method == "POST" and in_transaction(self.model):
            # The row is read under the lock the version check takes: nothing slips in between.
            queryset = self.get_queryset(request).select_for_update(of=("self",))
            field = (
                self.model._meta.pk
                if from_field is None
                else self.model._meta.get_field(from_field)
            )
            try:
                return queryset.get(**{field.name: field.to_python(object_id)})
            except (self.model.DoesNotExist, ValueError, TypeError):
                return None
        return super().get_object(request, object_id, from_field)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        with transaction.atomic(using=router.db_for_write(self.model)):
            object_id = unquote(object_id)
            # A history version carries its old state: the lock is the record's current one.
            if request.method == "POST":
                current = self.get_object(request, object_id)
                if current is None or not self.has_change_permission(request, current):
                    raise PermissionDenied
            pk_name = self.model._meta.pk.attname
            request.history_version = get_object_or_404(
                self.model.history.model, **{pk_name: object_id, "history_id": version_id}
            )
            return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        version = getattr(request, "history_version", None)
        if version is None:
            return form
        # The instance of a version has its own columns; its links are in the history's tables.
        links = {
            name: ids for name, ids in version_links(version).items() if name in form.base_fields
        }

        def __init__(self, *args, **kwargs):
            kwargs["initial"] = {**links, **(kwargs.get("initial") or {})}
            form.__init__(self, *args, **kwargs)

        return type(form.__name__, (form,), {"__init__": __init__})

    def response_change(self, request, obj):
        version = getattr(request, "history_version", None)
        if version is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            f"La version du {when(version.history_date)} de « {obj} » a été rétablie, "
            "liens compris.",
            messages.SUCCESS,
        )
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            latest = self.model.history.filter(
                **{self.model._meta.pk.attname: unquote(object_id)}
            ).first()
            obj = latest.instance if latest is not None else None
        entries = timeline(obj, self.history_parts) if obj is not None else []
        context = {
            "timeline": Paginator(entries, self.history_list_per_page).get_page(
                request.GET.get("p")
            ),
            "history_parts": [part.model._meta.verbose_name_plural for part in self.history_parts],
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        pass  # the timeline computes its own, with labels, for the record and its parts


class PublicationAdmin(ProposalAdminMixin, WorkflowAdminMixin, LockedHistoryAdmin):
    """Drafts, review and publication: Rédacteurs write, submit and propose changes to published
    records; Relecteurs publish and archive, through the workflow's buttons and actions
    (initiatives.admin_workflow) and the proposals (initiatives.admin_proposals)."""

    publication_fields = (
        "publication_state",
        "published_at",
        "updated_at",
        "last_verified",
        "verification_interval",
        ("responsible", "responsible_team"),
        "edit_version",
    )

    def has_change_permission(self, request, obj=None):
        if obj is not None and locked_for(request.user, obj) and not proposing(request):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "published_at", "updated_at"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "responsible":
            kwargs.update(queryset=staff_members(), form_class=ResponsibleChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        current = stored(obj)
        if locked_for(request.user, obj) or (current and locked_for(request.user, current)):
            raise PermissionDenied("Seuls les relecteurs peuvent publier ou archiver.")
        obj.set_publication_state(obj.publication_state)
        super().save_model(request, obj, form, change)


class SourceInline(VersionedInline, GenericTabularInline):
    formset = VersionedGenericInlineFormSet
    model = SourceCitation
    extra = 0
    autocomplete_fields = ["document"]
    fields = ["document", "url", "accessed_on", "note"]


class TreeAdmin(LockedHistoryAdmin):
    list_display = ["name", "parent", "slug"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


@admin.register(Territory)
class TerritoryAdmin(TreeAdmin):
    list_display = ["name", "kind", "code", "parent", "validity"]
    list_filter = ["kind"]
    search_fields = ["name", "kind", "code"]
    autocomplete_fields = ["parent", "successors"]

    @admin.display(description="validité")
    def validity(self, obj):
        return obj.validity


@admin.register(Theme)
class ThemeAdmin(TranslatedAdminMixin, TreeAdmin):
    pass


@admin.register(ActivityType)
class ActivityTypeAdmin(TranslatedAdminMixin, ForgivingSearchMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class KeywordLabelInline(admin.TabularInline):
    model = KeywordLabel
    extra = 1


@admin.register(Keyword)
class KeywordAdmin(ForgivingSearchMixin, admin.ModelAdmin):
    list_display = ["label", "translations"]
    search_fields = ["label", "labels__label"]
    prepopulated_fields = {"slug": ["label"]}
    inlines = [KeywordLabelInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("labels")

    @admin.display(description="traductions")
    def translations(self, obj):
        return " ; ".join(f"{label.label} ({label.language})" for label in obj.labels.all())


@admin.register(Document)
class DocumentAdmin(PublicationAdmin):
    list_display = [
        "title",
        "kind",
        "publication_date",
        "language",
        "publication_state",
        verification_due,
    ]
    list_filter = ["publication_state", VerificationFilter, FollowUpFilter, "kind", "language"]
    search_fields = ["title", "authors", "bibliographic_note"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["keywords"]


class MilestoneInline(VersionedInline, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["date", "title", "text"]


class EventInline(VersionedInline, admin.StackedInline):
    model = Event
    extra = 0
    autocomplete_fields = ["territory"]
    fields = [
        ("title", "kind", "status"),
        ("start", "end", "date_note"),
        ("territory", "venue"),
        "description",
    ]


class KeyFigureInline(TranslatedInlineMixin, VersionedInline, admin.StackedInline):
    model = KeyFigure
    form = KeyFigureForm
    extra = 0
    autocomplete_fields = ["territory"]
    fields = [
        ("is_lower_bound", "value", "unit", "label"),
        ("period_start", "date", "territory"),
        ("source_document", "source_url"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sources")

    # Shown instead of the form's fields when the figure is read-only.
    @admin.display(description="source\u202f: document")
    def source_document(self, obj):
        source = next(iter(obj.sources.all()), None)
        return source.document if source is not None and source.document_id else "—"

    @admin.display(description="source\u202f: adresse")
    def source_url(self, obj):
        source = next(iter(obj.sources.all()), None)
        return source.url if source is not None and source.url else "—"


@admin.register(Initiative)
class InitiativeAdmin(TranslatedAdminMixin, SpreadsheetImportExportMixin, PublicationAdmin):
    resource_classes = [InitiativeResource]
    # Narrow enough for 1,280 px beside the filters: the parent goes under the title.
    list_display = [
        "title_and_parent",
        "kind",
        "status",
        "period",
        "publication_state",
        "updated_on",
    ]  # the verification due date would not fit 1,280 px here: the filter and the home show it
    list_filter = [
        "publication_state",
        VerificationFilter,
        FollowUpFilter,
        "kind",
        "status",
        "themes",
    ]
    list_select_related = ["parent"]
    # Actors are added by actors.admin (it sits above this app).
    search_fields = ["title", "acronym", "summary", "body", "territories__name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = [
        "parent",
        "themes",
        "territories",
        "activity_types",
        "keywords",
        "documents",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "acronym", "kind", "status", "parent"]}),
        ("Contenu", {"fields": ["summary", "objectives", "body", "website"]}),
        ("Dates", {"fields": [("start", "end"), "end_unknown"]}),
        (
            "Classement",
            {"fields": ["themes", "territories", "activity_types", "keywords", "documents"]},
        ),
        ("Publication", {"fields": PublicationAdmin.publication_fields}),
    ]
    inlines = [MilestoneInline, EventInline, KeyFigureInline, SourceInline]
    history_parts = (
        Part(Milestone, lambda initiative: {"initiative_id": initiative.pk}),
        Part(Event, lambda initiative: {"initiative_id": initiative.pk}),
        Part(KeyFigure, lambda initiative: {"initiative_id": initiative.pk}),
        Part(SourceCitation, sources_of, describe=source_name),
    )

    @admin.display(description="période", ordering="start")
    def period(self, obj):
        return obj.period

    @admin.display(description="titre", ordering="sort_key")
    def title_and_parent(self, obj):
        if obj.parent is None:
            return obj.title
        return format_html('{}<span class="changelist-parent">{}</span>', obj.title, obj.parent)

    @admin.display(description="mis à jour", ordering="updated_at")
    def updated_on(self, obj):
        return date_format(timezone.localtime(obj.updated_at), "d/m/Y")


class PartOfInitiativeAdmin(LockedHistoryAdmin):
    """Events, figures, roles…: public through their initiative, so locked with it."""

    def is_locked(self, request, obj):
        initiative = getattr(obj, "initiative", None)  # a figure may be about a territory only
        return initiative is not None and locked_for(request.user, initiative)

    def has_change_permission(self, request, obj=None):
        if obj is not None and self.is_locked(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.is_locked(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if self.is_locked(request, obj) or self.is_locked(request, stored(obj)):
            raise PermissionDenied("Cette initiative est publiée : seul un relecteur la modifie.")
        super().save_model(request, obj, form, change)


@admin.register(Event)
class EventAdmin(PartOfInitiativeAdmin):
    list_display = ["title", "kind", "status", "when", "territory", "initiative"]
    list_filter = ["status", "kind"]
    list_select_related = ["territory", "initiative"]
    search_fields = ["title", "venue", "initiative__title"]
    autocomplete_fields = ["initiative", "territory"]

    @admin.display(description="date", ordering="start")
    def when(self, obj):
        return obj.when


@admin.register(KeyFigure)
class KeyFigureAdmin(TranslatedAdminMixin, PartOfInitiativeAdmin):
    list_display = ["__str__", "date", "initiative", "territory"]
    list_select_related = ["initiative", "territory"]
    search_fields = ["label", "unit", "initiative__title"]
    autocomplete_fields = ["initiative", "territory"]
    inlines = [SourceInline]
    history_parts = (Part(SourceCitation, sources_of, describe=source_name),)


admin.site.register(ReviewEmailPreference, ReviewEmailPreferenceAdmin)
