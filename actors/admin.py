from django.contrib import admin

from actors.duplicates import DuplicatesAdminMixin
from actors.models import Affiliation, Funding, Involvement, Organisation, Person
from actors.resources import OrganisationResource, PersonResource
from initiatives.admin import (
    InitiativeAdmin,
    PartOfInitiativeAdmin,
    PublicationAdmin,
    SourceInline,
    VersionedInline,
    source_name,
    sources_of,
)
from initiatives.followup import FollowUpFilter, VerificationFilter, verification_due
from initiatives.history import Part
from initiatives.imports import SpreadsheetImportExportMixin
from initiatives.models import SourceCitation
from initiatives.numbers import french_number


def involvement_name(record, names):
    actor = (
        names(Organisation, record.organisation_id)
        if record.organisation_id
        else names(Person, record.person_id)
    )
    return f"{actor}, {Involvement.Role(record.role).label.lower()}"


def funding_name(record, names):
    status = Funding.Status(record.status).label.lower()
    return f"{names(Organisation, record.beneficiary_id)}, {status}"


def affiliation_name(record, names):
    return f"{record.job_title}, {names(Organisation, record.organisation_id)}"


def of_initiative(initiative):
    return {"initiative_id": initiative.pk}


class InvolvementInline(VersionedInline, admin.StackedInline):
    model = Involvement
    extra = 0
    autocomplete_fields = ["initiative", "organisation", "person"]
    # Stacked on two lines: seven columns do not fit 1,280 px.
    fields = [("role", "organisation", "person"), ("start", "end", "amount"), "note"]


class FundingInline(VersionedInline, admin.TabularInline):
    model = Funding
    extra = 0
    autocomplete_fields = ["beneficiary"]
    fields = ["beneficiary", "status", "amount", "date", "note"]


class AffiliationInline(VersionedInline, admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "job_title", "start", "end", "note"]


# Involvements belong on the initiative form, but actors sits above initiatives: it adds them.
InitiativeAdmin.inlines = [*InitiativeAdmin.inlines, InvolvementInline, FundingInline]
InitiativeAdmin.history_parts = (
    *InitiativeAdmin.history_parts,
    Part(Involvement, of_initiative, describe=involvement_name),
    Part(Funding, of_initiative, describe=funding_name),
)
InitiativeAdmin.search_fields = [
    *InitiativeAdmin.search_fields,
    "involvements__organisation__name",
    "involvements__organisation__acronym",
    "involvements__person__last_name",
    "involvements__person__first_name",
]


@admin.register(Organisation)
class OrganisationAdmin(DuplicatesAdminMixin, SpreadsheetImportExportMixin, PublicationAdmin):
    resource_classes = [OrganisationResource]
    list_display = [
        "name",
        "acronym",
        "kind",
        "territory",
        "is_defunct",
        "publication_state",
        verification_due,
    ]
    list_filter = ["publication_state", VerificationFilter, FollowUpFilter, "kind", "is_defunct"]
    list_select_related = ["territory"]
    search_fields = ["name", "acronym", "=siren", "=rna"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["territory", "parent", "organised_events", "documents"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "acronym", "kind", "parent", "territory"]}),
        ("Présentation", {"fields": ["description", "website", ("siren", "rna")]}),
        ("Existence", {"fields": [("founded_on", "is_defunct", "dissolved_on")]}),
        ("Liens", {"fields": ["organised_events", "documents"]}),
        ("Publication", {"fields": PublicationAdmin.publication_fields}),
    ]
    inlines = [SourceInline]
    history_parts = (Part(SourceCitation, sources_of, describe=source_name),)
    actions = [*PublicationAdmin.actions, "merge"]


@admin.register(Person)
class PersonAdmin(SpreadsheetImportExportMixin, PublicationAdmin):
    resource_classes = [PersonResource]
    list_display = [
        "full_name",
        "contact_consent",
        "publication_state",
        "updated_at",
        verification_due,
    ]
    list_filter = ["publication_state", VerificationFilter, FollowUpFilter, "contact_consent"]
    search_fields = ["first_name", "last_name"]
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
    history_parts = (
        Part(Affiliation, lambda person: {"person_id": person.pk}, describe=affiliation_name),
        Part(SourceCitation, sources_of, describe=source_name),
    )

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
    list_display = ["beneficiary", "status", "amount_display", "date", "initiative"]
    list_filter = ["status"]
    list_select_related = ["beneficiary", "initiative"]
    search_fields = ["beneficiary__name", "initiative__title"]
    autocomplete_fields = ["initiative", "beneficiary"]

    @admin.display(description="montant (€)", ordering="amount")
    def amount_display(self, obj):
        return french_number(obj.amount) or "—"
