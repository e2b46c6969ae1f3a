"""The staff's second factor (portal.two_factor): codes computed by pyotp, as an authenticator
app computes them, not by django-otp which checks them."""

import json
import logging
import re
from base64 import b32encode

import pyotp
import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import staff, two_factor

pytestmark = pytest.mark.django_db
PASSWORD = "un mot de passe assez long"


@pytest.fixture(autouse=True)
def _no_throttling_delay(settings):
    # django-otp's delay after a wrong code (1, 2, 4… s) would make the next right code wait;
    # the lockout after five wrong codes is django-axes's, tested below with the delay off.
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0


def app_for(user):
    """The authenticator app of `user`, set up from the enrolment's secret."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return pyotp.TOTP(b32encode(device.bin_key).decode())


def enrolled(user):
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    two_factor.new_recovery_codes(user)
    return device


def sign_in(client, username, password=PASSWORD, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("admin:login"), data)


def events(caplog):
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "registre.auth"
    ]


def test_a_reviewer_gives_the_code_after_the_password(client, reviewer, caplog):
    enrolled(reviewer)
    with caplog.at_level(logging.INFO, logger="registre.auth"):
        response = sign_in(client, reviewer.username, next_url="/admin/initiatives/")
        assert response.url == reverse("admin:second_factor")
        assert "_auth_user_id" not in client.session  # not signed in yet
        assert client.get("/admin/").status_code == 302
        page = client.get(response.url)
        assert "Vérification en deux étapes" in page.content.decode()
        wrong = client.post(reverse("admin:second_factor"), {"code": "000000"})
        assert "Code incorrect ou expiré" in wrong.content.decode()
        key_before = client.session.session_key
        right = client.post(reverse("admin:second_factor"), {"code": app_for(reviewer).now()})
    assert right.url == "/admin/initiatives/"
    assert client.session.session_key != key_before  # renewed at sign-in
    assert client.get("/admin/").status_code == 200
    assert [event["event"] for event in events(caplog)] == [
        "login_failed",
        "login",
        "second_factor_ok",
    ]
    assert events(caplog)[0]["second_factor"] is True


def test_a_code_is_accepted_once(client, reviewer):
    enrolled(reviewer)
    code = app_for(reviewer).now()
    sign_in(client, reviewer.username)
    assert client.post(reverse("admin:second_factor"), {"code": code}).status_code == 302
    other = client_class()
    sign_in(other, reviewer.username)
    again = other.post(reverse("admin:second_factor"), {"code": code})
    assert again.status_code == 200 and "Code incorrect" in again.content.decode()


def client_class():
    from django.test import Client

    return Client()


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(client, reviewer):
    enrolled(reviewer)
    code = StaticToken.objects.filter(device__user=reviewer).first().token
    sign_in(client, reviewer.username)
    response = client.post(reverse("admin:second_factor"), {"code": code.upper()}, follow=True)
    assert "il vous en reste 9" in response.content.decode()
    client.post(reverse("admin:logout"))
    sign_in(client, reviewer.username)
    again = client.post(reverse("admin:second_factor"), {"code": code})
    assert again.status_code == 200


def test_a_reviewer_without_a_second_factor_is_refused_until_enrolled(client, reviewer):
    response = sign_in(client, reviewer.username)
    assert response.url == reverse("admin:two_factor")
    for path in ("/admin/", "/admin/initiatives/initiative/", "/admin/controle-des-donnees/"):
        refused = client.get(path)
        assert refused.status_code == 302 and refused.url.startswith("/admin/login/")
    # The login page sends them on to the enrolment rather than asking the password again.
    assert client.get("/admin/login/").url == reverse("admin:two_factor")

    page = client.get(reverse("admin:two_factor")).content.decode()
    assert "obligatoire pour votre compte" in page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert "<title>Code QR" in svg and "http" not in svg.replace("http://www.w3.org", "")
    secret = re.search(r'class="otp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    refused = client.post(reverse("admin:two_factor"), {"code": "123456"})
    assert "ne correspond pas" in refused.content.decode()

    codes_page = client.post(reverse("admin:two_factor"), {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", codes_page.content.decode())
    assert len(codes) == 10 and "no-store" in codes_page["Cache-Control"]
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.filter(user=reviewer, confirmed=True).count() == 1


@pytest.mark.parametrize("group", [staff.ADMINISTRATOR, staff.REVIEWER, None])
def test_reviewers_administrators_and_superusers_need_a_second_factor(group, make_staff):
    if group is None:
        user = User.objects.create_superuser("cheffe", password=PASSWORD)
    else:
        user = make_staff(group)
    assert two_factor.second_factor_required(user)


def test_a_writer_may_sign_in_with_the_password_alone_or_enrol(client, writer):
    response = sign_in(client, writer.username)
    assert response.url == reverse("admin:index")
    assert client.get("/admin/").status_code == 200
    page = client.get(reverse("admin:two_factor")).content.decode()
    assert "facultative pour les rédacteurs" in page


def test_a_writer_who_enrolled_gives_the_code_too(client, writer):
    enrolled(writer)
    assert sign_in(client, writer.username).url == reverse("admin:second_factor")


def test_wrong_codes_lock_the_account_as_wrong_passwords_do(client, reviewer):
    enrolled(reviewer)
    sign_in(client, reviewer.username)
    for _ in range(4):
        assert client.post(reverse("admin:second_factor"), {"code": "000000"}).status_code == 200
    locked = client.post(reverse("admin:second_factor"), {"code": "000000"})
    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.content.decode()
    # Neither the right code nor the right password opens it now.
    assert "_auth_user_id" not in client.session
    again = sign_in(client, reviewer.username)
    assert again.status_code == 429
    assert client.post(reverse("admin:second_factor"), {"code": app_for(reviewer).now()}).url == (
        reverse("admin:login")
    )


def test_a_password_success_does_not_reset_the_count_of_wrong_codes(client, reviewer):
    enrolled(reviewer)
    for _ in range(2):
        sign_in(client, reviewer.username)
        for _ in range(2):
            client.post(reverse("admin:second_factor"), {"code": "000000"})
    sign_in(client, reviewer.username)
    assert client.post(reverse("admin:second_factor"), {"code": "000000"}).status_code == 429


def test_the_code_is_asked_within_minutes_of_the_password(client, reviewer, settings):
    enrolled(reviewer)
    settings.SECOND_FACTOR_PENDING_SECONDS = 0
    sign_in(client, reviewer.username)
    response = client.post(
        reverse("admin:second_factor"), {"code": app_for(reviewer).now()}, follow=True
    )
    assert "Votre connexion a expiré" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_code_page_without_a_password_first_sends_to_the_login(client):
    assert client.get(reverse("admin:second_factor")).url == reverse("admin:login")


def test_the_next_address_stays_on_this_site(client, reviewer):
    enrolled(reviewer)
    sign_in(client, reviewer.username, next_url="https://ailleurs.example/")
    response = client.post(reverse("admin:second_factor"), {"code": app_for(reviewer).now()})
    assert response.url == reverse("admin:index")


def test_an_administrator_resets_a_lost_phone(client, make_staff, caplog):
    chief = User.objects.create_superuser("cheffe", password=PASSWORD)
    reviewer = make_staff(staff.REVIEWER)
    enrolled(reviewer)
    client.force_login(chief)
    listing = client.get("/admin/auth/user/").content.decode()
    assert "double authentification" in listing
    with caplog.at_level(logging.INFO, logger="registre.auth"):
        response = client.post(
            "/admin/auth/user/",
            {"action": "reset_second_factor", "_selected_action": [reviewer.pk]},
            follow=True,
        )
    assert "réinitialisée pour 1 compte" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticDevice.objects.filter(user=reviewer).exists()
    reset = [event for event in events(caplog) if event["event"] == "second_factor_reset"]
    assert reset == [
        {
            "event": "second_factor_reset",
            "username": "cheffe",
            "ip": "127.0.0.1",
            "account": reviewer.username,
        }
    ]


def test_new_recovery_codes_replace_the_old_ones(client, reviewer):
    enrolled(reviewer)
    old = set(StaticToken.objects.values_list("token", flat=True))
    client.force_login(reviewer)
    page = client.get(reverse("admin:two_factor")).content.decode()
    assert "Il vous reste 10 codes de secours" in page
    assert "ne peut pas être désactivée" in page
    response = client.post(reverse("admin:two_factor"), {"action": "recovery"})
    new = set(re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode()))
    assert len(new) == 10 and not new & old
    assert set(StaticToken.objects.values_list("token", flat=True)) == new
    # A reviewer cannot turn it off.
    client.post(reverse("admin:two_factor"), {"action": "disable"})
    assert TOTPDevice.objects.filter(user=reviewer).exists()


def test_a_session_without_its_second_factor_signs_in_again(client, reviewer):
    enrolled(reviewer)
    client.force_login_password_only(reviewer)
    assert client.get("/admin/").status_code == 302
    page = client.get("/admin/login/")
    assert page.status_code == 200 and "_auth_user_id" not in client.session


@pytest.fixture
def draft(make_initiative):
    from initiatives.models import PublicationState

    return make_initiative("Brouillon à relire", state=PublicationState.DRAFT)


def test_a_reviewer_without_the_code_does_not_preview_drafts_on_public_pages(
    client, reviewer, draft
):
    enrolled(reviewer)
    client.force_login_password_only(reviewer)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(reviewer)  # now with the code
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_a_reviewer_signed_in_to_enrol_previews_nothing(client, reviewer, draft):
    sign_in(client, reviewer.username)  # no second factor yet: sent to the enrolment
    assert client.get(reverse("admin:two_factor")).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/admin/initiatives/initiative/").status_code == 302
