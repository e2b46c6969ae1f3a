"""The map (/carte/) in Chromium: axe-core finds nothing at 1,280 and 320 px, under the CSP,
and the keyboard reaches every area's link."""

import pytest

from tests.browser.test_pages_in_browser import assert_fits_and_passes_axe, open_page

pytestmark = pytest.mark.browser

MAPS = {
    "map": "/carte/",
    "map-filtered": "/carte/?statut=ongoing&de=2000",
    "map-department": "/carte/?zone=80",
    "map-intercommunality": "/carte/?zone=248000531",
    "map-english": "/en/carte/",
}


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("name", MAPS)
def test_map_is_accessible(name, width, shared_demo_site, page, browser_errors, screenshots):
    page.set_viewport_size({"width": width, "height": 900})
    open_page(page, shared_demo_site + MAPS[name])
    assert browser_errors == []
    assert page.locator("svg.map path.area").count() > 0
    assert_fits_and_passes_axe(page, MAPS[name], width, screenshots / f"{name}-{width}.png")


def test_the_keyboard_reaches_every_area_link(shared_demo_site, page):
    open_page(page, shared_demo_site + "/carte/")
    wanted = page.locator("svg.map a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert len(wanted) == 5
    reached = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        href = page.evaluate(
            "document.activeElement.closest('svg') && document.activeElement.getAttribute('href')"
        )
        if href:
            reached.add(href)
    assert reached == set(wanted)
