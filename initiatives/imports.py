"""The admin's import and export pages, made for spreadsheets and for our CSP.

One import format (CSV or XLSX, recognised from the content); errors listed in French where the
file is sent, row, column, value and message, with a CSV report to download; never a traceback.
The export page's "Tout sélectionner" is a static script of ours, not the library's inline one.
"""

import base64
import csv
import io
import logging

from django import forms
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ImportForm, SelectableFieldsExportForm
from import_export.results import RowResult

from initiatives.numbers import plural
from initiatives.resources import ImportFileError
from initiatives.spreadsheets import SpreadsheetFormat, UnreadableFile

logger = logging.getLogger(__name__)

UNEXPECTED_ROW_ERROR = (
    "Cette ligne n'a pas pu être enregistrée à cause d'une erreur inattendue (consignée pour "
    "l'équipe technique)."
)
UNEXPECTED_FILE_ERROR = (
    "Le fichier n'a pas pu être importé à cause d'une erreur inattendue (consignée pour "
    "l'équipe technique) ; rien n'a été enregistré."
)
UNREADABLE = "Ce fichier ne peut pas être lu comme un tableau CSV ou Excel (.xlsx)."


class SpreadsheetImportForm(ImportForm):
    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["import_file"].label = "Fichier à importer"
        self.fields["import_file"].help_text = (
            "CSV (séparé par « ; », « , » ou des tabulations ; UTF-8 ou Windows-1252) ou "
            "classeur Excel (.xlsx), la première ligne portant les noms des colonnes."
        )
        self.fields["format"].label = "Format"

    @property
    def media(self):
        return forms.Media()  # one format, recognised from the content: nothing to guess


class SpreadsheetExportForm(SelectableFieldsExportForm):
    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].label = "Format"
        self.fields["resource"].label = "Données"

    def _get_field_label(self, resource, field_name):
        return resource.fields[field_name].column_name  # the file's French header

    @property
    def media(self):
        return forms.Media(js=["js/admin_export.js"], css={"all": ["import_export/export.css"]})


def error_lines(result):
    """Each error of an import, as shown and reported: line of the file (the headers are line
    1), column, value and message."""
    lines = []
    for error in result.base_errors:
        lines.append({"line": "", "column": "", "value": "", "message": file_message(error.error)})
    if result.base_errors:
        return lines  # a refused file: its rows were not read
    for number, errors in result.row_errors():
        for error in errors:
            logger.warning("Import row %s failed:\n%s", number, error.traceback)
            lines.append(
                {"line": number + 1, "column": "", "value": "", "message": UNEXPECTED_ROW_ERROR}
            )
    for row in result.invalid_rows:
        # The library keeps the values in the order of the resource's columns.
        values = dict(zip(result.diff_headers, row.values, strict=False))
        for attribute, messages_ in row.error_dict.items():
            column = column_of(result, attribute)
            for message in messages_:
                lines.append(
                    {
                        "line": row.number + 1,
                        "column": column,
                        "value": "" if values.get(column) in (None, "---") else values[column],
                        "message": str(message),
                    }
                )
    return sorted(lines, key=lambda line: line["line"] or 0)


def column_of(result, attribute):
    if attribute == NON_FIELD_ERRORS:
        return ""
    return getattr(result, "columns_by_attribute", {}).get(attribute, attribute)


def file_message(error):
    if isinstance(error, ImportFileError | UnreadableFile):
        return str(error)
    logger.error("Import refused by an unexpected error", exc_info=error)
    return UNEXPECTED_FILE_ERROR


def error_report(lines):
    """The errors as a CSV file for French Excel (`;`, UTF-8 with BOM), as a data: address."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["ligne", "colonne", "valeur", "erreur"])
    for line in lines:
        writer.writerow([line["line"], line["column"], line["value"], line["message"]])
    data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")


class SpreadsheetImportExportMixin(ImportExportMixin):
    import_formats = [SpreadsheetFormat]
    export_formats = [base_formats.CSV, base_formats.XLSX]
    to_encoding = "utf-8-sig"  # Excel reads accents in a CSV only with the BOM
    import_form_class = SpreadsheetImportForm
    export_form_class = SpreadsheetExportForm

    def add_data_read_fail_error_to_form(self, form, e):
        if not isinstance(e, UnreadableFile):
            logger.warning("Unreadable import file", exc_info=e)
        form.add_error("import_file", str(e) if isinstance(e, UnreadableFile) else UNREADABLE)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse):
            self.add_result_context(response.context_data)
        return response

    def add_result_context(self, context):
        result = context.get("result")
        if result is None:
            return
        if result.has_errors() or result.has_validation_errors():
            lines = error_lines(result)
            context["error_lines"] = lines
            context["error_report"] = error_report(lines)
            context.pop("confirm_form", None)
        totals = result.totals
        context["import_summary"] = ", ".join(
            [
                plural(totals[RowResult.IMPORT_TYPE_NEW], "nouvelle fiche", "nouvelles fiches"),
                plural(totals[RowResult.IMPORT_TYPE_UPDATE], "modifiée", "modifiées"),
                plural(totals[RowResult.IMPORT_TYPE_SKIP], "inchangée", "inchangées"),
            ]
        )

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except (UnreadableFile, OSError):
            messages.error(
                request, "Le fichier vérifié n'est plus disponible : envoyez-le de nouveau."
            )
            return HttpResponseRedirect(self.import_url())

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The records changed between the preview and the confirmation: nothing written.
            context = {
                **self.admin_site.each_context(request),
                "title": "Importer",
                "opts": self.model._meta,
                "form": self.create_import_form_unbound(request),
                "result": result,
            }
            self.add_result_context(context)
            return TemplateResponse(request, [self.import_template_name], context)
        return super().process_result(result, request)

    def create_import_form_unbound(self, request):
        return self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )

    def import_url(self):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_import")

    def add_success_message(self, result, request):
        totals = result.totals
        messages.success(
            request,
            "Import terminé : "
            + ", ".join(
                [
                    plural(totals[RowResult.IMPORT_TYPE_NEW], "fiche créée", "fiches créées"),
                    plural(totals[RowResult.IMPORT_TYPE_UPDATE], "modifiée", "modifiées"),
                    plural(totals[RowResult.IMPORT_TYPE_SKIP], "inchangée", "inchangées"),
                ]
            )
            + ".",
        )

    def _create_log_entry(self, user_pk, rows, import_type, action_flag):
        # The library writes "new through import_export" in each record's history.
        change = {ADDITION: "Créée par import", CHANGE: "Modifiée par import"}
        if rows:
            LogEntry.objects.log_actions(
                user_pk,
                rows,
                action_flag,
                change_message=change.get(action_flag, "Supprimée par import"),
                single_object=len(rows) == 1,
            )
