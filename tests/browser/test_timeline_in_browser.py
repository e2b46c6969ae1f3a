"""The timelines in a real browser: inside their column at 1,280 and 320 px, the table of
contents reachable by keyboard. Each picture is written under var/screenshots/ to look at."""

import pytest

pytestmark = pytest.mark.browser

PICARDIE = "/initiatives/co-animation-reseau-regional-economie-circulaire-picardie/"
EFC = "/initiatives/soutien-deploiement-economie-fonctionnalite-cooperation/"


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("name, url", [("timeline", PICARDIE), ("programme-bars", EFC)])
def test_the_picture_fits_its_column(name, url, width, shared_demo_site, page, screenshots):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(shared_demo_site + url, wait_until="load")
    chart = page.locator("figure.chart").first
    box = chart.locator(".chart__scroll").first.bounding_box()
    assert box["width"] <= width and box["height"] > 40
    # Narrower than its readable size, the picture scrolls in its own box, not the page.
    assert chart.locator("svg").first.bounding_box()["width"] >= min(576, box["width"])
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    chart.screenshot(path=screenshots / f"{name}-{width}.png")


def test_the_table_of_contents_leads_to_its_section_by_keyboard(shared_demo_site, page):
    page.goto(shared_demo_site + PICARDIE, wait_until="load")
    link = page.locator(".contents a", has_text="Chronologie")
    link.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#chronologie"
    assert page.locator("#chronologie h2").is_visible()
