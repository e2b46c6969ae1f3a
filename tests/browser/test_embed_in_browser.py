"""A filtered list embedded in a partner's page served from another origin (a tiny HTTP server
on another loopback port): the frame shows the list, our script sizes it to the list, its links
open in the whole window; a normal page of the portal refuses to be framed there."""

import functools
import http.server
import threading
from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

FILTERED = urlencode({"thematique": "economie-circulaire", "territoire": "hauts-de-france"})
PARTNER_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Site d'un partenaire</title></head>
<body><h1>Nos initiatives en région</h1>
{snippet}
<h2>Une page ordinaire du registre</h2>
<iframe id="ordinaire" src="{normal}" title="Page ordinaire" width="600" height="200"></iframe>
</body></html>
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def partner_site(tmp_path):
    """An HTTP server on another loopback port (another origin) serving tmp_path."""
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def embed_frame(page):
    return next(frame for frame in page.frames if "/integrer/initiatives/" in frame.url)


def test_a_partner_page_on_another_origin_shows_and_sizes_the_list(
    shared_demo_site, partner_site, page, screenshots
):
    # The partner copies the code from the "Intégrer" page of a filtered list.
    page.goto(f"{shared_demo_site}/initiatives/?{FILTERED}")
    page.get_by_role("link", name="Intégrer cette liste à votre site").click()
    page.wait_for_url("**/initiatives/integrer/?*")
    page.get_by_label("Neutre (noir et blanc)").check()
    page.get_by_role("button", name="Mettre à jour l'aperçu et le code").click()
    page.wait_for_url("**theme=neutre*")
    snippet = page.get_by_label("Code HTML du cadre avec son script").input_value()
    assert "theme=neutre" in snippet and "/static/js/embed.js" in snippet

    folder, origin = partner_site
    normal = f"{shared_demo_site}/initiatives/?{FILTERED}"
    (folder / "partenaire.html").write_text(
        PARTNER_PAGE.format(snippet=snippet, normal=normal), encoding="utf-8"
    )
    refusals = []
    page.on(
        "console",
        lambda message: "frame-ancestors" in message.text and refusals.append(message.text),
    )
    page.goto(f"{origin}/partenaire.html", wait_until="load")

    frame = page.frame_locator("iframe[data-registre-embed]")
    title = frame.get_by_role("heading", level=1)
    assert title.inner_text().startswith("Initiatives\u202f: Économie circulaire, Hauts-de-France")
    assert frame.locator(".embed__item").count() > 0

    # Our script sized the frame to the list (no scroll bar, no blank space).
    iframe = page.locator("iframe[data-registre-embed]")
    page.wait_for_function(
        "document.querySelector('iframe[data-registre-embed]').getBoundingClientRect().height"
        " !== 640"
    )
    inner = embed_frame(page).evaluate(
        "Math.ceil(document.documentElement.getBoundingClientRect().height)"
    )
    sized = iframe.evaluate("frame => frame.clientHeight")  # inside its border
    assert abs(sized - inner) <= 1, (sized, inner)
    page.screenshot(path=screenshots / "embed-on-partner-site.png", full_page=True)

    # The ordinary page refused to be framed (frame-ancestors 'none').
    assert refusals, "the ordinary page was framed"
    ordinary = page.frame_locator("#ordinaire")
    assert ordinary.locator(".site-header, .results").count() == 0  # Chromium's error page

    # A record opens in the whole window, not in the frame.
    first = frame.locator(".embed__item a").first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_url(f"{shared_demo_site}{href}")


def test_a_partner_page_without_our_script_shows_the_list_at_a_fixed_height(
    shared_demo_site, partner_site, page
):
    page.goto(f"{shared_demo_site}/initiatives/integrer/?{FILTERED}")
    snippet = page.get_by_label("Code HTML du cadre seul").input_value()
    assert "<script" not in snippet
    folder, origin = partner_site
    (folder / "cadre.html").write_text(
        PARTNER_PAGE.format(snippet=snippet, normal=f"{shared_demo_site}/"), encoding="utf-8"
    )
    page.goto(f"{origin}/cadre.html", wait_until="load")
    frame = page.frame_locator("iframe[data-registre-embed]")
    assert frame.locator(".embed__item").count() > 0
    assert page.locator("iframe[data-registre-embed]").evaluate("f => f.clientHeight") == 640


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("embed-builder", f"/initiatives/integrer/?{FILTERED}"),
        ("embed", f"/integrer/initiatives/?{FILTERED}"),
        ("embed-neutre", "/integrer/initiatives/?theme=neutre"),
    ],
)
def test_embed_pages_are_accessible(name, url, shared_demo_site, page, browser_errors, screenshots):
    response = page.goto(shared_demo_site + url, wait_until="load")
    assert response.status == 200
    assert browser_errors == []
    page.screenshot(path=screenshots / f"{name}.png", full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, f"axe on {url}:\n{results.generate_report()}"


def test_copy_the_link_button_copies_the_plain_address(shared_demo_site, browser):
    context = browser.new_context(locale="fr-FR", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(f"{shared_demo_site}/initiatives/integrer/?{FILTERED}")
        page.get_by_role("button", name="Copier le lien").click()
        page.get_by_role("status").get_by_text("Lien copié.").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == f"{shared_demo_site}/initiatives/?{FILTERED}"
    finally:
        context.close()
