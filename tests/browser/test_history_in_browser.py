"""A Relecteur goes back to an older version of an initiative from its history, in Chromium."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from initiatives.models import Initiative, Theme
from portal import staff
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "un mot de passe assez long"


@pytest.fixture
def initiative_with_two_versions(live_server):
    reviewer = User.objects.create_user("relectrice", password=PASSWORD, is_staff=True)
    reviewer.groups.add(Group.objects.get(name=staff.REVIEWER))
    water, air = (Theme.objects.create(name=name, slug=name.lower()) for name in ("Eau", "Air"))
    initiative = Initiative.objects.create(
        title="Rivières vivantes", slug="rivieres-vivantes", kind=Initiative.Kind.PROJECT
    )
    initiative.themes.set([water])
    initiative.title = "Rivières et air vivants"
    initiative.save()
    initiative.themes.set([air])
    return live_server.url, initiative, water


def test_a_reviewer_reverts_an_initiative_to_an_older_version_with_its_themes(
    initiative_with_two_versions, page, browser_errors, screenshots
):
    site, initiative, water = initiative_with_two_versions
    sign_in(page, site, "relectrice", PASSWORD)

    page.goto(f"{site}/admin/initiatives/initiative/{initiative.pk}/history/")
    timeline = page.locator("#change-history")
    assert "Thématiques" in timeline.inner_text()
    # The version that had "Eau" is the row where "Eau" was linked.
    water_version = timeline.locator("tbody tr").filter(has_text="→ Eau")
    assert water_version.count() == 1
    water_version.get_by_role("link", name="Revenir à cette version").click()

    expect(page.locator("#id_themes option:checked")).to_have_text(["Eau"])
    page.screenshot(path=screenshots / "admin-revert-form.png", full_page=True)
    page.click("input[name=_save]")

    expect(page.locator(".messagelist .success")).to_contain_text("a été rétablie")
    expect(page.locator("#id_themes option:checked")).to_have_text(["Eau"])
    assert list(initiative.themes.all()) == [water]
    assert browser_errors == []
