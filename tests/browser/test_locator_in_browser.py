"""The locators in Chromium: on an initiative, an organisation and a territory page (and the
pages that say where a record is not located), axe-core finds nothing at 1,280 and 320 px, the
picture is drawn at a small size and nothing scrolls sideways."""

import pytest

from tests.browser.test_pages_in_browser import assert_fits_and_passes_axe, inline_code, open_page

pytestmark = pytest.mark.browser

PAGES = {
    "locator-initiative": "/initiatives/co-animation-reseau-regional-economie-circulaire-picardie/",
    "locator-initiative-basin": "/initiatives/conference-permanente-du-bassin-minier/",
    "locator-organisation": "/acteurs/organisations/iae-de-lille/",
    "locator-organisation-none": "/acteurs/organisations/atemis/",
    "locator-territory": "/territoires/amiens/",
    "locator-territory-place": "/territoires/baie-de-somme/",
    "locator-english": "/en/initiatives/conference-permanente-du-bassin-minier/",
}


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("name", PAGES)
def test_locator_is_accessible(name, width, shared_demo_site, page, browser_errors, screenshots):
    page.set_viewport_size({"width": width, "height": 900})
    response, _statics = open_page(page, shared_demo_site + PAGES[name])
    assert browser_errors == []
    assert inline_code(page, response.text()) == []
    if name.endswith("-none"):
        assert page.locator(".locator--none").is_visible()
    else:
        box = page.locator("svg.map-locator").bounding_box()
        assert box is not None and 100 <= box["width"] <= 200 and box["height"] > box["width"]
    assert_fits_and_passes_axe(page, PAGES[name], width, screenshots / f"{name}-{width}.png")
    page.locator(".locator").first.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / f"{name}-{width}-here.png")  # the locator in its place
