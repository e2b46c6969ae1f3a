"""Organisations and people imports get the spreadsheet treatment of the initiatives'."""

import pytest

from actors.models import Organisation, Person
from actors.resources import OrganisationResource, PersonResource
from initiatives.spreadsheets import read_table

pytestmark = pytest.mark.django_db


def errors_of(result):
    return [str(message) for row in result.invalid_rows for errors in row.error_dict.values()
            for message in errors]  # fmt: skip


def test_organisations_with_french_headers_labels_and_names(writer, make_territory):
    make_territory("Lens")
    text = (
        "Identifiant;Nom;Type;Territoire;Créée en;N'existe plus\r\n"
        "club-noe;Club Noé;Réseau;lens;2013;non\r\n"
        "cd2e;CD2E;association;LENS;1999;oui\r\n"
    )
    result = OrganisationResource().import_data(read_table(text.encode("cp1252")), user=writer)
    assert not result.has_validation_errors(), errors_of(result)
    club, cd2e = Organisation.objects.get(slug="club-noe"), Organisation.objects.get(slug="cd2e")
    assert (club.kind, club.territory.name, club.is_defunct) == ("network", "Lens", False)
    assert (cd2e.kind, cd2e.is_defunct) == ("association", True)


def test_an_unknown_kind_territory_or_parent_organisation_is_a_row_error(writer, make_organisation):
    Organisation.objects.create(
        name="Conseil régional", slug="conseil-regional", kind="public_body"
    )
    text = (
        "identifiant;nom;type;territoire;organisation de rattachement;n'existe plus\n"
        "club-noe;Club Noé;Reseaux;Lensss;conseil-regionale;peut-être\n"
    )
    result = OrganisationResource().import_data(read_table(text.encode()), user=writer)
    errors = errors_of(result)
    assert "Type inconnu « Reseaux » : vouliez-vous dire « Réseau » ?" in errors
    assert any(error.startswith("Territoire inconnu « Lensss »") for error in errors)
    assert (
        "Organisation inconnue « conseil-regionale » : vouliez-vous dire « conseil-regional » ?"
        in errors
    )
    assert "« peut-être » n'est ni « oui » ni « non »." in errors
    assert not Organisation.objects.filter(slug="club-noe").exists()


def test_an_unchanged_organisation_export_re_imports_for_a_writer(writer, make_organisation):
    make_organisation("Club Noé", description="Un club.\r\nDes entreprises.", is_defunct=True)
    exported = OrganisationResource().export().export("csv").replace("\r\n", "\n")
    result = OrganisationResource().import_data(read_table(exported.encode()), user=writer)
    assert not result.has_validation_errors(), errors_of(result)
    assert result.totals["skip"] == 1


def test_people_with_french_headers(writer, make_person):
    make_person("Martin", biography="Chargée de mission.\r\n")
    exported = PersonResource().export()
    assert exported.headers == ["identifiant", "prénom", "nom", "présentation"]
    text = exported.export("csv").replace("\r\n", "\n") + "camille-durand,Camille,Durand,\n"
    result = PersonResource().import_data(read_table(text.encode("utf-8-sig")), user=writer)
    assert not result.has_validation_errors(), errors_of(result)
    assert (result.totals["new"], result.totals["skip"]) == (1, 1)
    assert Person.objects.get(slug="camille-durand").last_name == "Durand"
