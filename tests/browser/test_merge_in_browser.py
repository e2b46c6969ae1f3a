"""A Relecteur merges two organisations in Chromium; the old public address redirects."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from actors.models import Involvement, Organisation
from initiatives.models import Initiative, PublicationState
from portal import staff
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "un mot de passe assez long"


@pytest.fixture
def two_organisations(live_server):
    reviewer = User.objects.create_user("relecteur", password=PASSWORD, is_staff=True)
    reviewer.groups.add(Group.objects.get(name=staff.REVIEWER))
    published = {"publication_state": PublicationState.PUBLISHED, "kind": "association"}
    kept = Organisation.objects.create(
        name="Réseau Alliances", slug="reseau-alliances", **published
    )
    duplicate = Organisation.objects.create(name="Reseau alliances", slug="alliances", **published)
    initiative = Initiative.objects.create(
        title="Entreprises responsables",
        slug="entreprises-responsables",
        kind=Initiative.Kind.NETWORK,
        publication_state=PublicationState.PUBLISHED,
    )
    Involvement.objects.create(initiative=initiative, organisation=duplicate, role="pilot")
    return live_server.url, kept, duplicate


def test_a_reviewer_merges_two_organisations_and_the_old_address_redirects(
    two_organisations, page, browser_errors, screenshots
):
    site, kept, duplicate = two_organisations
    sign_in(page, site, "relecteur", PASSWORD)

    page.goto(f"{site}/admin/actors/organisation/?q=reseau+alliances")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)  # found without the accent
    page.locator("#result_list input.action-select").first.check()
    page.locator("#result_list input.action-select").nth(1).check()
    page.select_option("select[name=action]", "merge")
    page.click("button[name=index]")

    page.get_by_label("Réseau Alliances — association").check()
    page.screenshot(path=screenshots / "admin-merge-organisations.png", full_page=True)
    page.click("input[value=Fusionner]")
    expect(page.locator(".messagelist .success")).to_contain_text("fusionnée(s) dans")

    response = page.goto(f"{site}/acteurs/organisations/alliances/")
    assert response.url == f"{site}{kept.get_absolute_url()}"
    assert response.request.redirected_from is not None
    assert response.request.redirected_from.response().status == 301
    expect(page.locator("h1")).to_contain_text("Réseau Alliances")
    expect(page.locator("main")).to_contain_text("Entreprises responsables")
    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    assert browser_errors == []
