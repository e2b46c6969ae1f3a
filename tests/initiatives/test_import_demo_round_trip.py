"""The demo registry exported and imported again by a Rédacteur changes nothing, in CSV as a
spreadsheet saves it and in XLSX."""

import pytest

from actors.resources import OrganisationResource, PersonResource
from initiatives.resources import InitiativeResource
from initiatives.spreadsheets import read_table

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


@pytest.mark.parametrize(
    "resource_class", [InitiativeResource, OrganisationResource, PersonResource]
)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_demo_registry_re_imports_unchanged(writer, resource_class, file_format):
    exported = resource_class().export()
    content = exported.export(file_format)
    if file_format == "csv":
        content = content.replace("\r\n", "\n").encode("utf-8")
    result = resource_class().import_data(read_table(content), user=writer)
    errors = [(row.number, row.error_dict) for row in result.invalid_rows]
    assert not result.has_errors() and errors == []
    assert result.totals["skip"] == len(exported) > 0
