from django.contrib import admin
from import_export.admin import ImportExportMixin

from actors.models import Affiliation, Funding, Involvement, Organisation, Person
from actors.resources import OrganisationResource, PersonResource
from initiatives.admin import (
    InitiativeAdmin,
    PartOfInitiativeAdmin,
    PublicationAdmin,
    SourceInline,
)


class InvolvementInline(admin.TabularInline):
    model = Involvement
    extra = 0
    autocomplete_fields = ["initiative", "organisation", "person"]
    fields = ["role", "organisation", "person", "start", "end", "amount", "note"]


class FundingInline(admin.TabularInline):
    model = Funding
    extra = 0
    autocomplete_fields = ["beneficiary"]
    fields = ["beneficiary", "status", "amount", "date", "note"]


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "job_title", "start", "end", "note"]


# Involvements belong on the initiative form, but actors sits above initiatives: it adds them.
InitiativeAdmin.inlines = [*InitiativeAdmin.inlines, InvolvementInline, FundingInline]


@admin.register(Organisation)
class OrganisationAdmin(ImportExportMixin, PublicationAdmin):
    resource_classes = [OrganisationResource]
    list_display = ["name", "acronym", "kind", "territory", "is_defunct", "publication_state"]
    list_filter = ["publication_state", "kind", "is_defunct"]
    list_select_related = ["territory"]
    search_fields = ["name", "acronym", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["territory", "parent", "organised_events", "documents"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "acronym", "kind", "parent", "territory"]}),
        ("Présentation", {"fields": ["description", "website"]}),
        ("Existence", {"fields": [("founded_on", "is_defunct", "dissolved_on")]}),
        ("Liens", {"fields": ["organised_events", "documents"]}),
        ("Publication", {"fields": PublicationAdmin.publication_fields}),
    ]
    inlines = [SourceInline]


@admin.register(Person)
class PersonAdmin(ImportExportMixin, PublicationAdmin):
    resource_classes = [PersonResource]
    list_display = ["full_name", "contact_consent", "publication_state", "updated_at"]
    list_filter = ["publication_state", "contact_consent"]
    search_fields = ["first_name", "last_name", "slug"]
    prepopulated_fields = {"slug": ["first_name", "last_name"]}
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "slug", "biography"]}),
        (
            "Coordonnées (jamais publiques sans consentement)",
            {"fields": ["email", "phone", ("contact_consent", "consent_recorded_on")]},
        ),
        ("Publication", {"fields": PublicationAdmin.publication_fields}),
    ]
    inlines = [AffiliationInline, SourceInline]

    @admin.display(description="nom", ordering="sort_key")
    def full_name(self, obj):
        return obj.full_name


@admin.register(Involvement)
class InvolvementAdmin(PartOfInitiativeAdmin):
    list_display = ["initiative", "role", "organisation", "person", "period"]
    list_filter = ["role"]
    list_select_related = ["initiative", "organisation", "person"]
    search_fields = [
        "initiative__title",
        "organisation__name",
        "person__last_name",
        "person__first_name",
    ]
    autocomplete_fields = ["initiative", "organisation", "person"]


@admin.register(Funding)
class FundingAdmin(PartOfInitiativeAdmin):
    list_display = ["beneficiary", "status", "amount", "date", "initiative"]
    list_filter = ["status"]
    list_select_related = ["beneficiary", "initiative"]
    search_fields = ["beneficiary__name", "initiative__title"]
    autocomplete_fields = ["initiative", "beneficiary"]
