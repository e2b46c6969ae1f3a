"""The staff pages staff use all day fit a 1,280 px screen: no horizontal scrolling, in the
page or in the changelist's table, with the seed data in Chromium."""

import pytest
from django.contrib.auth.models import User

from actors.models import Organisation
from initiatives.models import Initiative
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "un mot de passe assez long"
WIDTH = 1280
# Widest element that scrolls on its own (the changelist's table, a tabular inline).
OVERFLOW = """() => [document.documentElement, ...document.querySelectorAll('.results, .tabular')]
    .filter(element => element.scrollWidth > element.clientWidth + 1)
    .map(element => `${element.className || element.tagName}: ${element.scrollWidth}px`)"""


@pytest.fixture
def staff_site(demo_site):
    User.objects.create_superuser("cheffe", password=PASSWORD)
    return demo_site


def log_in(page, site):
    sign_in(page, site, "cheffe", PASSWORD)


def pages():
    initiative = Initiative.objects.filter(involvements__isnull=False).distinct().first()
    organisation = Organisation.objects.first()
    return {
        "initiatives": "/admin/initiatives/initiative/",
        "initiative": f"/admin/initiatives/initiative/{initiative.pk}/change/",
        "organisation": f"/admin/actors/organisation/{organisation.pk}/change/",
    }


def test_staff_pages_fit_1280_px(staff_site, browser, screenshots):
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 900}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, staff_site)
    try:
        for name, path in pages().items():
            page.goto(staff_site + path)
            page.wait_for_load_state("load")
            page.screenshot(path=screenshots / f"admin-{name}-1280.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, name
            assert page.evaluate(OVERFLOW) == [], name
            if name == "initiatives":
                header = page.locator("#result_list thead").inner_text().lower()
                for column in ("période", "état de publication", "mis à jour"):
                    assert column in header
                    cell = page.locator("#result_list th", has_text=column).first
                    assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= WIDTH
    finally:
        context.close()
