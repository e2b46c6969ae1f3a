"""Imports built for spreadsheets: what staff's files really look like, and what they are told."""

import base64
import io

import openpyxl
import pytest
from django.urls import reverse

from initiatives.models import Initiative, PublicationState, Territory, Theme
from initiatives.resources import InitiativeResource
from initiatives.spreadsheets import UnreadableFile, read_table

pytestmark = pytest.mark.django_db

FRENCH_HEADERS = "identifiant;titre;type;statut;début;thématiques;territoires"


@pytest.fixture
def vocabulary(make_territory):
    circular = Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")
    Theme.objects.create(name="Énergie", slug="energie")
    lens = make_territory("Lens")
    return circular, lens


def upload(client, content, name="import.csv", model="initiative", app="initiatives"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(
        reverse(f"admin:{app}_{model}_import"),
        {"import_file": file, "format": "0", "resource": "0"},
    )


def confirm(client, response, model="initiative", app="initiatives"):
    form = response.context["confirm_form"]
    data = {name: form.initial[name] for name in form.fields}
    return client.post(reverse(f"admin:{app}_{model}_process_import"), data)


def no_traceback(html):
    assert "Traceback" not in html
    assert "/work/" not in html and "site-packages" not in html and ".py" not in html


# Reading files ------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_each_separator_is_recognised_from_the_header_line(separator):
    text = separator.join(["identifiant", "titre", "résumé"]) + "\n"
    text += separator.join(["club-noe", '"Club Noé; réseau, picard"', "Un réseau"]) + "\n"
    dataset = read_table(text.encode("utf-8"))
    assert dataset.headers == ["identifiant", "titre", "résumé"]
    assert dataset[0] == ("club-noe", "Club Noé; réseau, picard", "Un réseau")


@pytest.mark.parametrize(
    "encoded",
    [
        "identifiant;titre\nclub-noe;Réseau de l'économie\n".encode(),
        "identifiant;titre\nclub-noe;Réseau de l'économie\n".encode("utf-8-sig"),
        "identifiant;titre\r\nclub-noe;Réseau de l'économie\r\n".encode("cp1252"),
        "identifiant\ttitre\r\nclub-noe\tRéseau de l'économie\r\n".encode("utf-16"),
    ],
    ids=["utf-8", "utf-8 with BOM", "windows-1252", "utf-16 (Excel's Unicode text)"],
)
def test_each_encoding_is_recognised(encoded):
    dataset = read_table(encoded)
    assert dataset.headers == ["identifiant", "titre"]
    assert dataset[0] == ("club-noe", "Réseau de l'économie")


def test_an_xlsx_file_is_read_with_numbers_as_text():
    workbook = openpyxl.Workbook()
    workbook.active.append(["identifiant", "début", None])
    workbook.active.append(["club-noe", 2013, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    dataset = read_table(buffer.getvalue())
    assert dataset.headers == ["identifiant", "début"]
    assert dataset[0] == ("club-noe", "2013")


def test_trailing_separators_and_empty_lines_are_ignored():
    dataset = read_table(b"identifiant;titre;;\nclub-noe;Club;;\n;;;\n\n")
    assert dataset.headers == ["identifiant", "titre"]
    assert len(dataset) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "est vide"),
        (b"identifiant;titre\n", "que la ligne des en-têtes"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "ancien format Excel (.xls)"),
        (b"PK\x03\x04not really a workbook", "Ce classeur Excel ne peut pas être lu"),
        (b"%PDF-1.4\x00\x00\x81\x8d", "ni en UTF-8 ni en Windows-1252"),
        (b"\x00\x01\x02binary", "pas un tableau CSV ou Excel"),
        (b"identifiant;titre\nclub-noe;Club;en trop\n", "La ligne 2 a 3 valeurs pour 2 colonnes"),
    ],
    ids=["empty", "headers only", "xls", "broken xlsx", "not text", "binary", "extra cell"],
)
def test_an_unreadable_file_gets_one_french_sentence(content, message):
    with pytest.raises(UnreadableFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(content)


# What a row says -----------------------------------------------------------------------------


def import_text(text, user):
    return InitiativeResource().import_data(read_table(text.encode("cp1252")), user=user)


def row_errors(result):
    return [str(message) for row in result.invalid_rows for errors in row.error_dict.values()
            for message in errors]  # fmt: skip


def test_french_headers_and_labels_are_accepted_as_well_as_codes(writer, vocabulary):
    result = import_text(
        "Identifiant;Titre;TYPE;Statut;Début;Thématiques;Territoires\n"
        "reseau-picard;Réseau picard;Projet;En cours;2015;Économie circulaire|energie;Lens\n"
        "club-noe;Club Noé;projet;en cours;2013;;\n"
        "tesr;TESR;operation;ongoing;2016;;\n"
        "trois;Trois;Opération de développement;terminé;2016;;\n",
        writer,
    )
    assert not result.has_errors() and not result.has_validation_errors(), row_errors(result)
    created = Initiative.objects.get(slug="reseau-picard")
    assert (created.kind, created.status) == ("project", "ongoing")
    assert created.publication_state == PublicationState.DRAFT
    assert {theme.slug for theme in created.themes.all()} == {"economie-circulaire", "energie"}
    assert [territory.name for territory in created.territories.all()] == ["Lens"]
    assert Initiative.objects.get(slug="trois").status == "done"


def test_english_field_names_are_accepted_as_headers(writer):
    result = import_text("slug,title,kind,status\nclub-noe,Club Noé,network,done\n", writer)
    assert not result.has_validation_errors(), row_errors(result)
    assert Initiative.objects.get(slug="club-noe").kind == "network"


def test_an_unknown_theme_is_a_row_error_naming_the_closest_and_writes_nothing(writer, vocabulary):
    result = import_text(
        f"{FRENCH_HEADERS}\n"
        "club-noe;Club Noé;Réseau;En cours;2013;;\n"
        "reseau-picard;Réseau picard;Projet;En cours;2015;economie-circulaires;Lens\n",
        writer,
    )
    assert row_errors(result) == [
        "Thématique inconnue « economie-circulaires » : vouliez-vous dire « economie-circulaire » ?"
    ]
    assert result.invalid_rows[0].number == 2
    assert Initiative.objects.count() == 0


def test_an_unknown_territory_kind_and_status_are_row_errors(writer, vocabulary):
    result = import_text(
        f"{FRENCH_HEADERS}\nreseau-picard;Réseau picard;Projets;Encours;2015;;Lense\n", writer
    )
    errors = row_errors(result)
    assert "Type inconnu « Projets » : vouliez-vous dire « Projet » ?" in errors
    assert "Statut inconnu « Encours » : vouliez-vous dire « En cours » ?" in errors
    assert any(error.startswith("Territoire inconnu « Lense » : vouliez-vous dire « ")
               and "« territoire-" in error for error in errors)  # fmt: skip
    assert Initiative.objects.count() == 0


def test_an_unknown_parent_is_a_row_error(writer, make_initiative):
    make_initiative("Transformation écologique et sociale", slug="tesr")
    result = import_text("identifiant;titre;type;parent\nop;Op;Projet;tesrr\n", writer)
    assert row_errors(result) == [
        "Initiative parente inconnue « tesrr » : vouliez-vous dire « tesr » ?"
    ]
    result = import_text(
        "identifiant;titre;type;parent\nop;Op;Projet;Transformation ecologique et sociale\n", writer
    )
    assert not result.has_validation_errors()
    assert Initiative.objects.get(slug="op").parent.slug == "tesr"


def test_values_separated_by_a_comma_are_told_the_separator(writer, vocabulary):
    result = import_text(
        'identifiant;titre;type;thématiques\nop;Op;Projet;"energie, economie-circulaire"\n',
        writer,
    )
    [error] = row_errors(result)
    assert "Séparez plusieurs valeurs par « | »." in error


def test_an_unchanged_export_re_imports_as_unchanged_for_a_writer(
    writer, make_initiative, vocabulary
):
    circular, lens = vocabulary
    published = make_initiative(
        "Réseau picard",
        slug="reseau-picard",
        body="Premier paragraphe.\r\n\r\nSecond paragraphe.  ",
        summary="  Un réseau.\r\n",
        start="2015",
    )
    published.themes.set([circular])
    published.territories.set([lens])
    # As a spreadsheet saves it again: "\n" in the cells, the spaces trimmed.
    exported = InitiativeResource().export().export("csv").replace("\r\n", "\n")
    exported = exported.replace("paragraphe.  ", "paragraphe.")

    result = InitiativeResource().import_data(read_table(exported.encode()), user=writer)

    assert not result.has_errors() and not result.has_validation_errors(), row_errors(result)
    assert result.totals["skip"] == 1 and result.totals["update"] == 0
    published.refresh_from_db()
    assert published.body == "Premier paragraphe.\r\n\r\nSecond paragraphe.  "


def test_a_real_change_to_a_published_record_names_it_and_writes_nothing(writer, make_initiative):
    make_initiative("Réseau picard", slug="reseau-picard")
    result = import_text(
        "identifiant;titre;type\nnouvelle;Nouvelle;Projet\nreseau-picard;Autre titre;Projet\n",
        writer,
    )
    [error] = row_errors(result)
    assert error.startswith("« Réseau picard » est une fiche publiée : seul un relecteur")
    assert "colonnes modifiées : « titre »" in error
    assert not Initiative.objects.filter(slug="nouvelle").exists()
    assert Initiative.objects.get(slug="reseau-picard").title == "Réseau picard"


def test_a_reviewer_may_change_a_published_record(reviewer, make_initiative):
    make_initiative("Réseau picard", slug="reseau-picard")
    result = import_text("identifiant;titre;type\nreseau-picard;Autre titre;Projet\n", reviewer)
    assert not result.has_validation_errors(), row_errors(result)
    assert Initiative.objects.get(slug="reseau-picard").title == "Autre titre"


# Through the admin ----------------------------------------------------------------------------


def test_a_semicolon_windows_1252_file_imports_through_the_admin(client, writer, vocabulary):
    client.force_login(writer)
    content = (
        f"{FRENCH_HEADERS}\r\nreseau-picard;Réseau picard;Projet;En cours;2015;"
        "Économie circulaire;Lens\r\n"
    ).encode("cp1252")
    response = upload(client, content)
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 nouvelle fiche" in html and "Nouvelle" in html
    response = confirm(client, response)
    assert response.status_code == 302
    assert Initiative.objects.get(slug="reseau-picard").themes.get().slug == "economie-circulaire"
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["Import terminé : 1 fiche créée, 0 modifiée, 0 inchangée."]


def test_an_admin_round_trip_of_a_published_record_is_unchanged_for_a_writer(
    client, writer, reviewer, make_initiative, vocabulary
):
    published = make_initiative("Réseau picard", slug="reseau-picard", body="Un.\r\nDeux.")
    published.themes.set([vocabulary[0]])
    client.force_login(writer)
    exported = client.post(
        reverse("admin:initiatives_initiative_export"),
        {"format": "0", "resource": "0", **export_columns()},
    )
    assert exported.status_code == 200
    assert exported.content.startswith(b"\xef\xbb\xbfidentifiant,titre,")
    response = upload(client, exported.content)
    assert "0 nouvelle fiche, 0 modifiée, 1 inchangée" in response.content.decode()
    assert "Inchangée" in response.content.decode()
    assert confirm(client, response).status_code == 302


def export_columns():
    resource = InitiativeResource()
    return {f"initiativeresource_{name}": "on" for name in resource.get_export_order()}


def test_a_file_with_unknown_values_lists_each_error_with_a_report(client, writer, vocabulary):
    client.force_login(writer)
    response = upload(
        client,
        f"{FRENCH_HEADERS}\nreseau-picard;Réseau picard;Projet;En cours;2015;"
        "economie-circulaires;Lens\nclub;Club;Réseau;fini;2013;;\n".encode(),
    )
    html = response.content.decode()
    no_traceback(html)
    assert "Rien n'a été importé" in html
    assert "confirm_form" not in response.context or not response.context["confirm_form"]
    lines = response.context["error_lines"]
    assert [(line["line"], line["column"], line["value"]) for line in lines] == [
        (2, "thématiques", "economie-circulaires"),
        (3, "statut", "fini"),
    ]
    report = response.context["error_report"]
    assert f'href="{report}"' in html
    csv_text = base64.b64decode(report.split(",", 1)[1]).decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "ligne;colonne;valeur;erreur"
    assert csv_text.splitlines()[1].startswith("2;thématiques;economie-circulaires;Thématique")
    assert Initiative.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "est vide"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ancien format Excel"),
        (b"titre;type\nClub;Projet\n", "La colonne « identifiant » manque"),
        (b"identifiant|titre\nclub|Club\n", "le séparateur n&#x27;est pas reconnu"),
        (b"identifiant;titre;identifiant\na;b;c\n", "apparaît deux fois"),
    ],
    ids=["empty", "xls", "no identifier", "unknown separator", "duplicate column"],
)
def test_a_file_that_cannot_be_imported_gets_one_french_sentence(client, writer, content, message):
    client.force_login(writer)
    response = upload(client, content)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    no_traceback(html)
    assert "Error" not in html and "encountered" not in html
    assert Initiative.objects.count() == 0


def test_unknown_columns_are_named_and_ignored(client, writer):
    client.force_login(writer)
    response = upload(client, "identifiant;titre;type;thematique\nclub;Club;Réseau;x\n".encode())
    html = response.content.decode()
    assert "Colonne « thematique » ignorée" in html
    assert "vouliez-vous dire « thématiques » ?" in html


def test_rows_that_became_invalid_before_confirmation_write_nothing(client, writer, vocabulary):
    client.force_login(writer)
    response = upload(
        client,
        f"{FRENCH_HEADERS}\nclub;Club;Réseau;En cours;2013;;\n"
        "reseau-picard;Réseau picard;Projet;En cours;2015;energie;\n".encode(),
    )
    Theme.objects.filter(slug="energie").delete()
    response = confirm(client, response)
    assert response.status_code == 200
    assert "Thématique inconnue « energie »" in response.content.decode()
    assert Initiative.objects.count() == 0


def test_the_export_page_has_no_inline_script_or_style(client, writer):
    client.force_login(writer)
    response = client.get(reverse("admin:initiatives_initiative_export"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tout sélectionner" in html and "js/admin_export.js" in html
    assert "onchange" not in html and "style=" not in html
    assert "<script>" not in html and '<script type="text/javascript">' not in html
    assert "thématiques" in html  # the columns by their French header


def test_the_export_has_french_headers_and_labels(client, writer, make_initiative, vocabulary):
    initiative = make_initiative("Réseau picard", slug="reseau-picard", status="ongoing")
    initiative.territories.set([vocabulary[1]])
    client.force_login(writer)
    response = client.post(
        reverse("admin:initiatives_initiative_export"),
        {"format": "0", "resource": "0", **export_columns()},
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("identifiant,titre,sigle,type,statut,parent,résumé")
    assert "Projet,En cours" in lines[1] and lines[1].endswith(Territory.objects.get().slug)
