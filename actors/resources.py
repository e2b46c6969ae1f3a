from import_export import fields, widgets

from actors.models import Organisation, Person
from initiatives.models import Territory
from initiatives.resources import PartialDateWidget, RegistryResource


class OrganisationResource(RegistryResource):
    territory = fields.Field(
        attribute="territory",
        column_name="territory",
        widget=widgets.ForeignKeyWidget(Territory, field="slug"),
    )
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=widgets.ForeignKeyWidget(Organisation, field="slug"),
    )
    founded_on = fields.Field(
        attribute="founded_on", column_name="founded_on", widget=PartialDateWidget()
    )
    dissolved_on = fields.Field(
        attribute="dissolved_on", column_name="dissolved_on", widget=PartialDateWidget()
    )

    class Meta(RegistryResource.Meta):
        model = Organisation
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
        # Contact details stay out of spreadsheets: they are personal data.
        fields = ["slug", "first_name", "last_name", "biography"]
        export_order = fields
