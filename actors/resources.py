from import_export import fields

from actors.models import Organisation, Person
from initiatives.models import Territory
from initiatives.resources import LookupForeignKeyWidget, PartialDateWidget, RegistryResource


class OrganisationResource(RegistryResource):
    territory = fields.Field(
        attribute="territory",
        column_name="territoire",
        widget=LookupForeignKeyWidget(Territory, "Territoire inconnu"),
    )
    parent = fields.Field(
        attribute="parent",
        column_name="organisation de rattachement",
        widget=LookupForeignKeyWidget(Organisation, "Organisation inconnue"),
    )
    founded_on = fields.Field(
        attribute="founded_on", column_name="créée en", widget=PartialDateWidget()
    )
    dissolved_on = fields.Field(
        attribute="dissolved_on", column_name="disparue en", widget=PartialDateWidget()
    )

    class Meta(RegistryResource.Meta):
        model = Organisation
        name = "Organisations"
        fields = [
            "slug",
            "name",
            "acronym",
            "kind",
            "description",
            "website",
            "territory",
            "parent",
            "founded_on",
            "is_defunct",
            "dissolved_on",
        ]
        export_order = fields


class PersonResource(RegistryResource):
    class Meta(RegistryResource.Meta):
        model = Person
        name = "Personnes"
        # Contact details stay out of spreadsheets: they are personal data.
        fields = ["slug", "first_name", "last_name", "biography"]
        export_order = fields
