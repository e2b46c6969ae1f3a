from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import PermissionDenied
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from initiatives.concurrency import ConcurrentEditForm
from initiatives.models import (
    ActivityType,
    Document,
    Event,
    Initiative,
    KeyFigure,
    Keyword,
    KeywordLabel,
    Milestone,
    PublicationState,
    SourceCitation,
    Territory,
    Theme,
    locked_for,
    publish_permission,
)
from initiatives.resources import InitiativeResource

admin.site.site_header = "Registre des initiatives — espace des agents"
admin.site.site_title = "Registre des initiatives"
admin.site.index_title = "Administration du registre"


def stored(record):
    """The record as the database holds it (a form or a history version may differ)."""
    return type(record).objects.filter(pk=record.pk).first() if record.pk else None


class LockedHistoryAdmin(SimpleHistoryAdmin):
    """History with revert, where reverting is a change of the record as it stands now."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A history version carries its old state: the lock is the record's current one.
        if request.method == "POST":
            current = self.get_object(request, object_id)
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class PublicationAdmin(LockedHistoryAdmin):
    """Drafts, review and publication: Rédacteurs write, Relecteurs publish and archive."""

    form = ConcurrentEditForm
    publication_fields = (
        "publication_state",
        "published_at",
        "updated_at",
        "last_verified",
        "edit_version",
    )
    actions = ["publish", "send_to_review", "archive", "back_to_draft"]

    def has_publish_permission(self, request):
        return request.user.has_perm(publish_permission(self.model))

    def has_change_permission(self, request, obj=None):
        if obj is not None and locked_for(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "published_at", "updated_at"]
        return readonly

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "publication_state" and not self.has_publish_permission(request):
            kwargs["choices"] = [
                (PublicationState.DRAFT, PublicationState.DRAFT.label),
                (PublicationState.REVIEW, PublicationState.REVIEW.label),
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        current = stored(obj)
        if locked_for(request.user, obj) or (current and locked_for(request.user, current)):
            raise PermissionDenied("Seuls les relecteurs peuvent publier ou archiver.")
        obj.set_publication_state(obj.publication_state)
        super().save_model(request, obj, form, change)

    def _change_state(self, request, queryset, state):
        count = 0
        for obj in queryset:
            obj.set_publication_state(state)
            obj._change_reason = f"État : {state.label}"
            obj.save()
            count += 1
        self.message_user(request, f"{count} fiche(s) : {state.label.lower()}.", messages.SUCCESS)

    @admin.action(description="Publier", permissions=["publish"])
    def publish(self, request, queryset):
        self._change_state(request, queryset, PublicationState.PUBLISHED)

    @admin.action(description="Archiver", permissions=["publish"])
    def archive(self, request, queryset):
        self._change_state(request, queryset, PublicationState.ARCHIVED)

    @admin.action(description="Dépublier (repasser en brouillon)", permissions=["publish"])
    def back_to_draft(self, request, queryset):
        self._change_state(request, queryset, PublicationState.DRAFT)

    @admin.action(description="Envoyer en relecture", permissions=["change"])
    def send_to_review(self, request, queryset):
        self._change_state(
            request,
            queryset.filter(publication_state=PublicationState.DRAFT),
            PublicationState.REVIEW,
        )


class SourceInline(GenericTabularInline):
    model = SourceCitation
    extra = 0
    autocomplete_fields = ["document"]
    fields = ["document", "url", "accessed_on", "note"]


class TreeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "parent", "slug"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


@admin.register(Territory)
class TerritoryAdmin(TreeAdmin):
    list_display = ["name", "kind", "code", "parent", "validity"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "code"]
    autocomplete_fields = ["parent", "successors"]

    @admin.display(description="validité")
    def validity(self, obj):
        return obj.validity


@admin.register(Theme)
class ThemeAdmin(TreeAdmin):
    pass


@admin.register(ActivityType)
class ActivityTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class KeywordLabelInline(admin.TabularInline):
    model = KeywordLabel
    extra = 1


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
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
    list_display = ["title", "kind", "publication_date", "language", "publication_state"]
    list_filter = ["publication_state", "kind", "language"]
    search_fields = ["title", "authors", "bibliographic_note"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["keywords"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["date", "title", "text"]


class EventInline(admin.StackedInline):
    model = Event
    extra = 0
    autocomplete_fields = ["territory"]
    fields = [
        ("title", "kind", "status"),
        ("start", "end", "date_note"),
        ("territory", "venue"),
        "description",
    ]


class KeyFigureInline(admin.TabularInline):
    model = KeyFigure
    extra = 0
    autocomplete_fields = ["territory"]
    fields = ["is_lower_bound", "value", "unit", "label", "period_start", "date", "territory"]


@admin.register(Initiative)
class InitiativeAdmin(ImportExportMixin, PublicationAdmin):
    resource_classes = [InitiativeResource]
    list_display = [
        "title",
        "kind",
        "status",
        "parent",
        "period",
        "publication_state",
        "updated_at",
    ]
    list_filter = ["publication_state", "kind", "status", "themes"]
    list_select_related = ["parent"]
    search_fields = ["title", "acronym", "summary", "slug"]
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
        ("Dates", {"fields": [("start", "end")]}),
        (
            "Classement",
            {"fields": ["themes", "territories", "activity_types", "keywords", "documents"]},
        ),
        ("Publication", {"fields": PublicationAdmin.publication_fields}),
    ]
    inlines = [MilestoneInline, EventInline, KeyFigureInline, SourceInline]

    @admin.display(description="période", ordering="start")
    def period(self, obj):
        return obj.period


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
class KeyFigureAdmin(PartOfInitiativeAdmin):
    list_display = ["__str__", "date", "initiative", "territory"]
    list_select_related = ["initiative", "territory"]
    search_fields = ["label", "unit", "initiative__title"]
    autocomplete_fields = ["initiative", "territory"]
    inlines = [SourceInline]
