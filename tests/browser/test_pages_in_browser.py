"""The public pages in a real browser: accessibility (axe-core), small screens, keyboard,
progressive enhancement of the filters, and no inline script or style.

The seed data is loaded once for the module (`shared_demo_site`: these tests only read it).
Full-page screenshots land in var/screenshots/ for a developer to look at.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

INDEX_FILTERED = "/initiatives/?territoire=hauts-de-france&thematique=economie-circulaire"
PAGES = {
    "home": "/",
    "index": INDEX_FILTERED,
    "initiative": "/initiatives/transformation-ecologique-et-sociale-de-la-region/",
    "initiative with its timeline": (
        "/initiatives/co-animation-reseau-regional-economie-circulaire-picardie/"
    ),
    "programme with its bars": (
        "/initiatives/soutien-deploiement-economie-fonctionnalite-cooperation/"
    ),
    "organisation": "/acteurs/organisations/espace-environnement/",
    # The widest networks of the seed: the region's partners, a network's members and funders.
    "organisation network": "/acteurs/organisations/conseil-regional-des-hauts-de-france/",
    "network": "/initiatives/co-animation-reseau-regional-economie-circulaire-picardie/",
    "person": "/acteurs/personnes/eric-kniaz/",
    "search": "/recherche/?q=economie+circulaire",
}
MOBILE_WIDTH = 320
# Inline code the Content-Security-Policy would refuse. JSON data blocks (schema.org JSON-LD,
# json_script) are never executed, so they are allowed.
INLINE_CODE = (
    'script:not([src]):not([type="application/ld+json"]):not([type="application/json"]), [style]'
)


def open_page(page, url):
    """Go to url and return (response, the static files the page asked for with their status)."""
    statics = {}

    def record(response):
        if "/static/" in response.url:
            statics[urlsplit(response.url).path] = response.status

    page.on("response", record)
    response = page.goto(url, wait_until="load")
    page.remove_listener("response", record)
    assert response.status == 200, f"{url} answered {response.status}"
    return response, statics


def assert_fits_and_passes_axe(page, url, width, screenshot):
    """Nothing scrolls sideways at this width, a full-page screenshot is written, and axe-core
    finds no violation."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, f"{url} scrolls sideways: {scroll_width} px"
    page.screenshot(path=screenshot, full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, f"axe on {url}:\n{results.generate_report()}"


FIND_INLINE_CODE = """([root, selector]) => Array.from(
    (root === null ? document : new DOMParser().parseFromString(root, "text/html"))
        .querySelectorAll(selector),
    (element) => element.outerHTML.slice(0, 160),
)"""


def inline_code(page, html):
    """The inline scripts and style attributes, in the HTML as served and in the live DOM."""
    served = page.evaluate(FIND_INLINE_CODE, [html, INLINE_CODE])
    live = page.evaluate(FIND_INLINE_CODE, [None, INLINE_CODE])
    return served + live


@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible_on_desktop_and_mobile(
    name, shared_demo_site, page, browser_errors, screenshots
):
    response, statics = open_page(page, shared_demo_site + PAGES[name])
    assert browser_errors == []

    assert statics.get("/static/css/site.css") == 200, statics
    assert all(status == 200 for status in statics.values()), statics

    assert inline_code(page, response.text()) == [], "inline <script> or style= attribute"

    page.screenshot(path=screenshots / f"{name}.png", full_page=True)

    results = Axe().run(page)
    assert results.violations_count == 0, f"axe on {PAGES[name]}:\n{results.generate_report()}"

    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 800})
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > MOBILE_WIDTH + 1:
        page.screenshot(path=screenshots / f"{name}-{MOBILE_WIDTH}.png", full_page=True)
    assert scroll_width <= MOBILE_WIDTH + 1, (
        f"{PAGES[name]} scrolls sideways at {MOBILE_WIDTH} px: {scroll_width} px wide"
    )
    results = Axe().run(page)
    assert results.violations_count == 0, (
        f"axe on {PAGES[name]} at {MOBILE_WIDTH} px:\n{results.generate_report()}"
    )


def test_first_tab_focuses_a_visible_skip_link(shared_demo_site, page):
    open_page(page, shared_demo_site + "/")
    page.keyboard.press("Tab")

    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    link = page.locator(".skip-link")
    assert link.get_attribute("href") == "#contenu"
    box = link.bounding_box()
    viewport = page.viewport_size
    assert box is not None and box["width"] > 10 and box["height"] > 10
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def first_type_that_narrows(page):
    """The value of a Type option with fewer results than the whole list, and its count."""
    total = int(page.locator("#resultats").inner_text().split()[0])
    for box in page.locator("#facette-type input[type=checkbox]").all():
        label = page.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
        count = int(label.rsplit("(", 1)[1].rstrip(")"))
        if count < total:
            return box.get_attribute("value"), count
    raise AssertionError("no Type option narrows the seed initiatives")


def test_filters_work_without_javascript(shared_demo_site, browser):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        open_page(page, shared_demo_site + "/initiatives/")
        before = page.locator("#resultats").inner_text()
        value, count = first_type_that_narrows(page)

        page.check(f"#f-type-{value}")
        with page.expect_navigation():
            page.get_by_role("button", name="Filtrer").click()

        assert parse_qs(urlsplit(page.url).query)["type"] == [value]
        after = page.locator("#resultats").inner_text()
        assert after != before
        assert after.startswith(f"{count} initiative")
    finally:
        context.close()
