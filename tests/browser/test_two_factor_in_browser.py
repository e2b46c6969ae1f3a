"""The second factor in Chromium, as a reviewer meets it: enrolment by QR code (the key read
from the page, the codes computed by pyotp as an authenticator app would), the recovery codes,
a sign-in with a code and one with a recovery code, and the lockout after wrong codes."""

import re
import time

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from portal import staff

pytestmark = pytest.mark.browser

PASSWORD = "un mot de passe assez long"


@pytest.fixture
def staff_site(live_server, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    for name in ("relectrice", "relecteur"):
        user = User.objects.create_user(name, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=staff.REVIEWER))
    return live_server.url


def password_step(page, site, username):
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def no_axe_violation(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_reviewer_enrols_then_signs_in_with_a_code_and_with_a_recovery_code(
    staff_site, page, browser_errors, screenshots
):
    password_step(page, staff_site, "relectrice")
    # Refused anything else until enrolled: the admin's home sends back to the enrolment.
    expect(page.locator(".errornote").first).to_contain_text("obligatoire pour votre compte")
    page.goto(f"{staff_site}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/double-authentification/$"))
    expect(page.locator("figure.qr-code svg title")).to_have_text(re.compile("Code QR"))
    page.screenshot(path=screenshots / "two-factor-enrol.png", full_page=True)
    no_axe_violation(page)
    secret = page.locator("code.otp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    page.fill("#id_code", app.now())
    page.click("#two-factor-enrol-form input[type=submit]")

    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=screenshots / "two-factor-codes.png", full_page=True)
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    expect(page.locator("#user-tools")).to_contain_text("Double authentification")

    page.locator("#logout-form button").click()
    password_step(page, staff_site, "relectrice")
    expect(page.locator("h1.two-factor-title")).to_have_text("Vérification en deux étapes")
    expect(page.locator("#id_code")).to_be_focused()
    page.screenshot(path=screenshots / "two-factor-code.png", full_page=True)
    no_axe_violation(page)
    # The code used at enrolment is never accepted again: the app's next one is.
    page.keyboard.type(app.at(time.time() + 30))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.locator("#logout-form button").click()
    password_step(page, staff_site, "relectrice")
    page.fill("#id_code", codes[0])
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist")).to_contain_text("il vous en reste 9")
    assert browser_errors == []


def test_wrong_codes_lock_the_reviewer_out(staff_site, page):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=User.objects.get(username="relecteur"), confirmed=True)
    password_step(page, staff_site, "relecteur")
    for _ in range(4):
        page.fill("#id_code", "000000")
        page.keyboard.press("Enter")
        expect(page.locator(".errornote")).to_contain_text("Code incorrect ou expiré")
    page.fill("#id_code", "000000")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Connexion temporairement bloquée")
    password_step(page, staff_site, "relecteur")
    expect(page.locator("h1")).to_have_text("Connexion temporairement bloquée")
