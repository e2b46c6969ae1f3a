"""The partner's journey through the index's filters with the keyboard only: reach a former
region, tick two themes, apply with « Filtrer », land on the results' heading, go to page 2,
then open the same address in a fresh browser and find the same results. Screenshots at
1,280 and 375 px land in var/screenshots/."""

from urllib.parse import parse_qs, urlsplit

import pytest

from initiatives.models import Initiative, PublicationState, Territory, Theme

pytestmark = pytest.mark.browser

THEMES = ["economie-circulaire", "nouveaux-modeles-economiques"]


def tab_to(page, selector, limit=400):
    """Press Tab until the focused element matches `selector`; the number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached with {limit} Tab presses")


def focused_id(page):
    return page.evaluate("document.activeElement.id")


def result_titles(page):
    return page.locator(".result__title").all_inner_texts()


@pytest.fixture
def many_in_picardie(demo_site):
    """Enough initiatives in Picardie about the two themes for a second page."""
    theme = Theme.objects.get(slug=THEMES[1])
    place = Territory.objects.filter(lineage__contains=[Territory.objects.get(slug="picardie").pk])
    place = place.exclude(slug="picardie").first()
    for number in range(25):
        initiative = Initiative.objects.create(
            title=f"Atelier de réemploi {number:02d}", slug=f"atelier-reemploi-{number:02d}",
            kind=Initiative.Kind.PROJECT, publication_state=PublicationState.PUBLISHED,
        )  # fmt: skip
        initiative.themes.add(theme)
        initiative.territories.add(place)
    return demo_site


def test_keyboard_journey_to_two_themes_in_picardie_and_page_two(
    many_in_picardie, page, browser, browser_errors, screenshots
):
    page.goto(many_in_picardie + "/initiatives/")
    requests = []
    page.on(
        "request",
        lambda request: (
            request.resource_type in ("document", "fetch", "xhr") and requests.append(request.url)
        ),
    )

    # Moving through the controls and ticking boxes sends nothing (WCAG 3.2.2).
    for slug in THEMES:
        tab_to(page, f"#f-thematique-{slug}")
        page.keyboard.press("Space")
    tab_to(page, "#f-territoire-picardie")  # a former region, offered from the start
    page.keyboard.press("Space")
    assert page.is_checked("#f-territoire-picardie")
    assert requests == [], requests

    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    query = parse_qs(urlsplit(page.url).query)
    assert query["thematique"] == THEMES and query["territoire"] == ["picardie"]
    assert urlsplit(page.url).fragment == "resultats"
    assert focused_id(page) == "resultats", "focus lands on the results' heading"
    heading = page.locator("#resultats").inner_text()
    total = int(heading.split()[0])
    assert total > 20
    assert page.locator(".active-filters a.chip").count() == 3
    for slug in THEMES:
        assert page.is_checked(f"#f-thematique-{slug}")
    page.screenshot(path=screenshots / "filters-journey-1280.png", full_page=True)

    # From the heading, the numbered pagination is a few Tabs away.
    presses = tab_to(page, ".pagination a:not([rel])[href*='page=2']")
    assert presses < 60
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert parse_qs(urlsplit(page.url).query)["page"] == ["2"]
    assert focused_id(page) == "resultats"
    current = page.locator(".pagination [aria-current=page]").text_content()
    assert " ".join(current.split()) == "Page 2 sur 2"
    second_page = result_titles(page)
    assert len(second_page) == total - 20
    assert browser_errors == []

    # The address alone holds the whole state.
    fresh = browser.new_context(viewport={"width": 375, "height": 740}, locale="fr-FR")
    try:
        other = fresh.new_page()
        other.goto(page.url)
        assert other.locator("#resultats").inner_text() == heading
        assert result_titles(other) == second_page
        # On a phone the results come first; the filters are one tap away.
        assert other.locator("#resultats").bounding_box()["y"] < 400
        assert not other.is_visible("#id_q")
        other.screenshot(path=screenshots / "filters-journey-375.png", full_page=True)
        other.locator(".filters-panel__toggle").click()
        assert other.is_visible("#id_q") and other.is_checked("#f-territoire-picardie")
        scroll_width = other.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 376
        other.screenshot(path=screenshots / "filters-journey-375-open.png", full_page=True)
    finally:
        fresh.close()
