import io

import openpyxl
import pytest
import tablib
from django.urls import reverse

from actors.resources import OrganisationResource
from initiatives.models import Initiative, PublicationState
from initiatives.resources import InitiativeResource

pytestmark = pytest.mark.django_db

HEADERS = ["slug", "title", "kind", "status", "start", "end", "parent", "themes", "territories"]


def dataset(*rows):
    data = tablib.Dataset(headers=HEADERS)
    for row in rows:
        data.append([row.get(header, "") for header in HEADERS])
    return data


GOOD = {"slug": "reseau-picard", "title": "Réseau picard", "kind": "network", "status": "done",
        "start": "2015", "end": "2017"}  # fmt: skip
OTHER = {"slug": "club-noe", "title": "Club Noé", "kind": "network", "status": "ongoing",
         "start": "2013"}  # fmt: skip
BAD_DATE = {**OTHER, "slug": "mauvaise-date", "start": "31/02/2016"}


def test_a_valid_file_creates_drafts(writer):
    result = InitiativeResource().import_data(dataset(GOOD, OTHER), user=writer)
    assert not result.has_errors() and not result.has_validation_errors()
    created = Initiative.objects.get(slug="reseau-picard")
    assert created.publication_state == PublicationState.DRAFT
    assert str(created.start) == "2015"


def test_one_bad_row_writes_nothing_and_names_the_row(writer):
    result = InitiativeResource().import_data(
        dataset(GOOD, BAD_DATE, OTHER), user=writer, rollback_on_validation_errors=True
    )
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert "start" in invalid.error_dict
    assert Initiative.objects.count() == 0


def test_a_database_error_in_one_row_writes_nothing(writer):
    ends_before_start = {**OTHER, "slug": "a-l-envers", "start": "2017", "end": "2015"}
    result = InitiativeResource().import_data(
        dataset(GOOD, ends_before_start), user=writer, rollback_on_validation_errors=True
    )
    assert result.has_errors() or result.has_validation_errors()
    assert Initiative.objects.count() == 0


def test_a_writer_cannot_change_a_published_record_by_import(writer, make_initiative):
    make_initiative("Réseau picard", slug="reseau-picard")
    result = InitiativeResource().import_data(
        dataset({**GOOD, "title": "Titre remplacé"}), user=writer
    )
    assert result.has_errors() or result.has_validation_errors()
    assert Initiative.objects.get(slug="reseau-picard").title == "Réseau picard"


def test_references_by_slug_are_checked(writer):
    result = InitiativeResource().import_data(
        dataset({**GOOD, "parent": "programme-inexistant"}),
        user=writer,
        rollback_on_validation_errors=True,
    )
    assert result.has_errors() or result.has_validation_errors()
    assert Initiative.objects.count() == 0


def test_export_round_trips_through_xlsx(make_initiative, make_organisation):
    make_initiative("Conférence Permanente du Bassin Minier", start="1996")
    make_organisation("Entre Signes et Cultures", is_defunct=True)
    workbook = openpyxl.load_workbook(
        io.BytesIO(InitiativeResource().export().export("xlsx")), read_only=True
    )
    rows = list(workbook.active.values)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["titre"] == "Conférence Permanente du Bassin Minier"
    assert record["début"] == "1996"
    assert record["type"] == "Projet"
    organisations = OrganisationResource().export()
    assert organisations.dict[0]["n'existe plus"] in (True, 1, "1")


def test_admin_import_previews_errors_and_writes_nothing(client, writer):
    client.force_login(writer)
    csv = dataset(GOOD, BAD_DATE).export("csv").encode()
    upload = io.BytesIO(csv)
    upload.name = "initiatives.csv"
    response = client.post(
        reverse("admin:initiatives_initiative_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "n&#x27;existe pas" in html or "n'existe pas" in html
    assert not response.context.get("confirm_form")  # nothing to confirm: errors first
    assert Initiative.objects.count() == 0
