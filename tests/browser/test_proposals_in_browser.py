"""A Rédacteur proposes a change to a published initiative, a Relecteur compares and publishes
it, in Chromium; the public page changes only then."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from initiatives.models import Event, Initiative, PublicationState
from portal import staff
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "un mot de passe assez long"


@pytest.fixture
def published_initiative(live_server):
    for username, group in (("redactrice", staff.WRITER), ("relecteur", staff.REVIEWER)):
        user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
    initiative = Initiative.objects.create(
        title="Rivières vivantes",
        slug="rivieres-vivantes",
        kind=Initiative.Kind.PROJECT,
        publication_state=PublicationState.PUBLISHED,
    )
    Event.objects.create(
        initiative=initiative, title="Atelier de Lens", kind=Event.Kind.WORKSHOP, start="2018"
    )
    return live_server.url, initiative


def log_in(page, site, username):
    sign_in(page, site, username, PASSWORD)
    expect(page.locator("#user-tools")).to_be_visible()


def public_text(browser, url):
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(url)
        return page.locator("main").inner_text()
    finally:
        context.close()


def test_a_writer_proposes_and_a_reviewer_compares_and_publishes(
    published_initiative, browser, page, browser_errors, screenshots
):
    site, initiative = published_initiative
    public_url = f"{site}{initiative.get_absolute_url()}"
    log_in(page, site, "redactrice")

    page.goto(f"{site}/admin/initiatives/initiative/{initiative.pk}/change/")
    expect(page.locator(".proposal-banner")).to_contain_text("Cette fiche est publiée")
    page.get_by_role("link", name="Proposer une modification").click()
    expect(page.locator(".proposal-banner")).to_contain_text("Proposition de modification.")
    page.fill("#id_title", "Rivières et zones humides")
    page.locator("#events-group .add-row a").click()
    page.fill("#id_events-1-title", "Séminaire de restitution")
    page.select_option("#id_events-1-kind", "seminar")
    page.fill("#id_events-1-start", "12/06/2019")
    page.fill("#id_proposal_comment", "Nouveau nom voté en comité")
    page.screenshot(path=screenshots / "admin-proposal-form.png", full_page=True)
    page.click("input[value='Enregistrer la proposition']")
    expect(page.locator(".messagelist .success")).to_contain_text(
        "Votre proposition est enregistrée"
    )

    before = public_text(browser, public_url)
    assert "Rivières vivantes" in before and "Atelier de Lens" in before
    assert "zones humides" not in before and "Séminaire de restitution" not in before

    page.context.clear_cookies()
    log_in(page, site, "relecteur")
    page.goto(f"{site}/admin/initiatives/proposal/")
    page.get_by_role("link", name="Rivières vivantes").click()
    record = page.locator("table.proposal-compare").first  # then one table a changed row
    title_row = record.locator("tr.is-changed", has_text="Titre")
    expect(title_row).to_contain_text("Rivières vivantes")
    expect(title_row).to_contain_text("Rivières et zones humides")
    added = page.locator("table.proposal-row--added")
    expect(added).to_contain_text("Séminaire de restitution")
    expect(added).to_contain_text("12 juin 2019")
    page.screenshot(path=screenshots / "admin-proposal-compare.png", full_page=True)
    page.click("input[value='Publier la proposition']")
    expect(page.locator(".messagelist .success")).to_contain_text("est publiée")

    after = public_text(browser, public_url)
    assert "Rivières et zones humides" in after and "Séminaire de restitution" in after
    assert browser_errors == []
