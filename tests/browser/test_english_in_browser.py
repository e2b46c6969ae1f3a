"""The English pages in Chromium: axe-core finds nothing, and the language switcher keeps the
list's filters."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_pages_in_browser import INDEX_FILTERED, PAGES, open_page

pytestmark = pytest.mark.browser

ENGLISH_PAGES = {
    name: "/en" + PAGES[name] for name in ("home", "index", "initiative", "organisation")
}


@pytest.mark.parametrize("name", ENGLISH_PAGES)
def test_english_page_is_accessible(name, shared_demo_site, page, browser_errors, screenshots):
    open_page(page, shared_demo_site + ENGLISH_PAGES[name])
    assert browser_errors == []
    assert page.get_attribute("html", "lang") == "en"
    page.screenshot(path=screenshots / f"en-{name}.png", full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, (
        f"axe on {ENGLISH_PAGES[name]}:\n{results.generate_report()}"
    )


def test_switcher_keeps_the_page_and_its_filters(shared_demo_site, page):
    open_page(page, shared_demo_site + INDEX_FILTERED)
    page.get_by_role("link", name="English version of this page").click()
    page.wait_for_load_state("load")
    assert page.url == shared_demo_site + "/en" + INDEX_FILTERED
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Initiatives"
    assert page.locator("#id_q").count() == 1
    assert page.locator(".chip").count() == 2  # the same two active filters

    page.get_by_role("link", name="Version française de cette page").click()
    page.wait_for_load_state("load")
    assert page.url == shared_demo_site + INDEX_FILTERED
    assert page.get_attribute("html", "lang") == "fr"
