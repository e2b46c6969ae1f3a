"""Bulk import and export (CSV, XLSX) for staff, through django-import-export.

Imports run in one transaction: a file with one bad row writes nothing, and the preview lists
each bad row with its errors. Imported records keep their state, or start as drafts: nobody
publishes through a spreadsheet.
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from initiatives.models import Initiative, Territory, Theme, locked_for
from initiatives.partial_dates import PartialDate


class PartialDateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            return PartialDate.parse(value)
        except ValueError as error:
            raise ValueError(str(error)) from None

    def render(self, value, obj=None, **kwargs):
        return value.iso if value else ""


class SlugListWidget(widgets.ManyToManyWidget):
    def __init__(self, model):
        super().__init__(model, field="slug", separator="|")


class RegistryResource(resources.ModelResource):
    class Meta:
        abstract = True
        import_id_fields = ["slug"]
        skip_unchanged = True
        report_skipped = False
        clean_model_instances = True
        use_transactions = True

    def before_save_instance(self, instance, row, **kwargs):
        if locked_for(kwargs.get("user"), instance):
            raise ValidationError(
                f"« {instance} » est {instance.get_publication_state_display().lower()} : "
                "seul un relecteur peut la modifier."
            )
        super().before_save_instance(instance, row, **kwargs)


class InitiativeResource(RegistryResource):
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=widgets.ForeignKeyWidget(Initiative, field="slug"),
    )
    themes = fields.Field(attribute="themes", column_name="themes", widget=SlugListWidget(Theme))
    territories = fields.Field(
        attribute="territories", column_name="territories", widget=SlugListWidget(Territory)
    )
    start = fields.Field(attribute="start", column_name="start", widget=PartialDateWidget())
    end = fields.Field(attribute="end", column_name="end", widget=PartialDateWidget())

    class Meta(RegistryResource.Meta):
        model = Initiative
        fields = [
            "slug",
            "title",
            "acronym",
            "kind",
            "status",
            "parent",
            "summary",
            "objectives",
            "body",
            "start",
            "end",
            "website",
            "themes",
            "territories",
        ]
        export_order = fields
