"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Never a downloaded browser: if chromium is missing, every test here is skipped, loudly.
`bin/ensure-chromium` (run by `make test`) installs it from Debian's packages when it can.
"""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.conftest import seeded_database

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
NO_CHROMIUM = (
    "BROWSER TESTS SKIPPED: no chromium on PATH nor at /usr/bin/chromium. Install Debian's "
    "package (`apt-get install chromium`, or run `bin/ensure-chromium` as root); never "
    "`playwright install`."
)
_skipped = []


def chromium_path():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).is_file() else None


@pytest.fixture(scope="session")
def browser(django_db_setup):
    path = chromium_path()
    if path is None:
        _skipped.append(NO_CHROMIUM)
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API leaves its asyncio loop marked as running in this thread, so Django
    # would refuse every ORM call (loading the seed data, pytest-django's flush) as "async
    # unsafe". Nothing else runs on that loop; Django's documented switch is safe here.
    # Depending on django_db_setup makes the test database outlive the browser.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_site(live_server, request):
    """The live server's URL, with the seed data committed where its thread can read it: on
    a copy of the seeded template for this test alone (`seeded_database`), or, in a run without
    workers, loaded in the test database.

    live_server makes the test transactional: the database is flushed after each test, so
    nothing loaded here reaches other test modules.
    """
    with seeded_database(request.config) as seeded:
        if not seeded:
            call_command("load_demo", verbosity=0)
        yield live_server.url


@pytest.fixture(scope="module")
def shared_demo_site(django_db_setup, django_db_blocker, request):
    """The seed data committed once for a module whose tests only read it, on a live server of
    the module's own: a copy of the seeded template dropped when the module ends (see
    tests/conftest.py, `seeded_database`), or, in a run without workers, the seed loaded in the
    test database and flushed when the module ends, as after a transactional test.

    Loading the seed and flushing it cost seconds a test: `demo_site` pays them for each test
    that writes, this for each module of pages that are only looked at.
    """
    from django.core.cache import caches
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock(), seeded_database(request.config) as seeded:
        if not seeded:
            call_command("load_demo", verbosity=0)
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server.url
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            if not seeded:
                call_command("flush", verbosity=0, interactive=False)
            caches["default"].clear()  # pages cached from the seed must not answer later tests


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def browser_errors(page):
    """Console errors (a Content-Security-Policy refusal, a failed request…) and uncaught
    exceptions of `page`; the favicon the portal does not have is no error."""
    errors = []

    def on_console(message):
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(f"console: {message.text} ({message.location['url']})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


@pytest.fixture
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter):
    # A skip is easy to miss in `pytest -q`: say it where nobody can. The skips of the
    # workers (pytest-xdist) come back as reports: read them there.
    skipped = terminalreporter.stats.get("skipped", [])
    if _skipped or any(NO_CHROMIUM in str(report.longrepr) for report in skipped):
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(NO_CHROMIUM, red=True, bold=True)
