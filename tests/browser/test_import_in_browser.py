"""A Rédacteur imports a spreadsheet saved by French Excel, and exports, in Chromium under our
Content-Security-Policy (no inline script: a refusal shows as a console error)."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from initiatives.models import Initiative, PublicationState, Territory, Theme
from portal import staff
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "un mot de passe assez long"
# As Excel in French saves "CSV (séparateur : point-virgule)": `;`, Windows-1252, CRLF.
FILE = (
    "Identifiant;Titre;Type;Statut;Début;Thématiques;Territoires\r\n"
    "reseau-picard-economie-circulaire;Réseau picard de l'économie circulaire;Réseau;Terminé;"
    "2015;Économie circulaire;Lens\r\n"
    "club-noe;Club Noé;Projet;En cours;mars 2013;economie-circulaire;\r\n"
).encode("cp1252")


@pytest.fixture
def site_with_a_writer(live_server):
    writer = User.objects.create_user("redacteur", password=PASSWORD, is_staff=True)
    writer.groups.add(Group.objects.get(name=staff.WRITER))
    Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")
    Territory.objects.create(name="Lens", slug="lens", kind=Territory.Kind.COMMUNE)
    return live_server.url


def log_in(page, site):
    sign_in(page, site, "redacteur", PASSWORD)


def test_a_writer_imports_a_semicolon_windows_1252_file_with_french_labels(
    site_with_a_writer, page, browser_errors, screenshots
):
    site = site_with_a_writer
    log_in(page, site)
    page.goto(f"{site}/admin/initiatives/initiative/import/")
    page.set_input_files(
        "#id_import_file",
        files=[{"name": "initiatives.csv", "mimeType": "text/csv", "buffer": FILE}],
    )
    page.get_by_role("button", name="Vérifier le fichier").click()

    expect(page.locator("#content")).to_contain_text("Le fichier est valide : 2 nouvelles fiches")
    expect(page.locator("table.import-preview")).to_contain_text("Club Noé")
    page.screenshot(path=screenshots / "admin-import-preview.png", full_page=True)
    page.get_by_role("button", name="Confirmer l'import").click()

    expect(page.locator(".messagelist .success")).to_have_text(
        "Import terminé : 2 fiches créées, 0 modifiée, 0 inchangée."
    )
    expect(page.locator("#result_list")).to_contain_text("Réseau picard de l'économie circulaire")
    expect(page.locator("#result_list")).to_contain_text("Club Noé")
    created = Initiative.objects.get(slug="reseau-picard-economie-circulaire")
    assert (created.kind, created.status, created.publication_state) == (
        "network",
        "done",
        PublicationState.DRAFT,
    )
    assert [territory.slug for territory in created.territories.all()] == ["lens"]
    assert Initiative.objects.get(slug="club-noe").start.iso == "2013-03"
    assert browser_errors == []


def test_select_all_on_the_export_page_works_under_the_csp(
    site_with_a_writer, page, browser_errors
):
    site = site_with_a_writer
    log_in(page, site)
    page.goto(f"{site}/admin/initiatives/initiative/export/")
    select_all = page.get_by_label("Tout sélectionner")
    columns = page.locator(".selectable-field-export-row input[type=checkbox]")
    expect(select_all).to_be_visible()
    expect(select_all).to_be_checked()
    assert columns.count() == 14

    select_all.uncheck()
    for index in range(columns.count()):
        expect(columns.nth(index)).not_to_be_checked()
    page.get_by_label("titre", exact=True).check()
    expect(select_all).not_to_be_checked()
    select_all.check()
    for index in range(columns.count()):
        expect(columns.nth(index)).to_be_checked()

    page.select_option("#id_format", label="csv")
    with page.expect_download() as download:
        page.get_by_role("button", name="Exporter").click()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        assert exported.readline().startswith("identifiant,titre,sigle,type,statut")
    assert browser_errors == []
