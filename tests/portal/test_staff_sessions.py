import json
import logging
import time
from base64 import b32encode
from datetime import timedelta

import pyotp
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from initiatives.models import PublicationState
from portal.models import StaffSession
from portal.staff_sessions import LAST_SEEN, short_user_agent

pytestmark = pytest.mark.django_db
PASSWORD = "un mot de passe solide"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture
def agent(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = User.objects.create_user("agent", password=PASSWORD, is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


def sign_in(client):
    """The password, then the second factor a superuser gives (portal.two_factor)."""
    response = client.post(
        reverse("admin:login"), {"username": "agent", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.url == reverse("admin:second_factor")
    device = TOTPDevice.objects.get(user__username="agent")
    step = max(int(time.time()) // 30, device.last_t + 1)
    code = pyotp.TOTP(b32encode(device.bin_key).decode()).at(step * 30)
    response = client.post(reverse("admin:second_factor"), {"code": code})
    assert response.status_code == 302 and response.url == "/admin/"
    return client


def key_of(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def idle_for(client, seconds):
    """As if the session's last request had come `seconds` ago."""
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def audit_events(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "registre.auth"]


def test_signing_in_gives_a_new_session_key(client, agent):
    session = client.session  # an anonymous session, as an attacker could have planted
    session["visited"] = True
    session.save()
    before = key_of(client)
    sign_in(client)
    assert key_of(client) != before
    assert not Session.objects.filter(session_key=before).exists()
    assert StaffSession.objects.get().session_key == key_of(client)


def test_a_sign_in_is_recorded_and_a_sign_out_forgets_it(agent):
    client = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="192.0.2.10")
    sign_in(client)
    row = StaffSession.objects.get(user=agent)
    assert (row.ip, row.user_agent) == ("192.0.2.10", "Firefox sur Linux")
    client.post(reverse("admin:logout"))
    assert not StaffSession.objects.exists()


def test_an_idle_session_is_signed_out_with_a_french_message(client, agent, caplog):
    sign_in(client)
    idle_for(client, 31 * 60)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="registre.auth"):
        response = client.get("/admin/initiatives/initiative/?q=eau")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/initiatives/initiative/%3Fq%3Deau"
    page = client.get(response["Location"]).content.decode()
    assert "fermée après 30 minutes sans activité\u202f: reconnectez-vous" in page
    assert client.get("/admin/").status_code == 302  # still signed out
    assert [event["event"] for event in audit_events(caplog)] == [
        "session_idle_timeout",
        "logout",
    ]
    assert not StaffSession.objects.exists()


def test_the_idle_time_is_a_setting(client, agent, settings):
    settings.STAFF_IDLE_MINUTES = 5
    sign_in(client)
    idle_for(client, 4 * 60)
    assert client.get("/admin/").status_code == 200
    idle_for(client, 6 * 60)
    assert client.get("/admin/").status_code == 302


def test_an_idle_staff_member_reads_public_pages_as_a_visitor(client, agent, make_initiative):
    draft = make_initiative(state=PublicationState.DRAFT)
    sign_in(client)
    assert client.get(draft.get_absolute_url()).status_code == 200  # a preview
    idle_for(client, 31 * 60)
    assert client.get("/mentions-legales/").status_code == 200  # reads no session: kept
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/admin/").status_code == 302
    assert not StaffSession.objects.exists()


def test_a_public_page_that_reads_no_user_leaves_the_session_alone(client, agent):
    sign_in(client)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/integrer/initiatives/")
    assert "Cookie" not in response.get("Vary", "")
    assert not [q for q in queries if "django_session" in q["sql"]]


def test_a_session_without_its_last_request_is_signed_out(client, agent):
    sign_in(client)
    session = client.session
    del session[LAST_SEEN]
    session.save()
    assert client.get("/admin/").status_code == 302


def session_writes(queries):
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "django_session"')]


def test_activity_is_written_at_most_once_a_minute(client, agent):
    sign_in(client)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/admin/").status_code == 200
    assert session_writes(queries) == []
    idle_for(client, 90)
    StaffSession.objects.update(last_seen=timezone.now() - timedelta(seconds=90))
    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/")
        client.get("/admin/")
    assert len(session_writes(queries)) == 1
    assert time.time() - client.session[LAST_SEEN] < 10
    assert timezone.now() - StaffSession.objects.get().last_seen < timedelta(seconds=10)


def test_idle_rows_are_forgotten_at_the_next_sign_in(client, agent):
    other = User.objects.create_user("autre", is_staff=True)
    long_ago = timezone.now() - timedelta(hours=2)
    StaffSession.objects.create(
        user=other, session_key="x" * 32, created=long_ago, last_seen=long_ago
    )
    sign_in(client)
    assert list(StaffSession.objects.values_list("user__username", flat=True)) == ["agent"]


def test_my_sessions_lists_them_and_ends_the_others(agent, caplog):
    here = sign_in(Client(HTTP_USER_AGENT=FIREFOX))
    elsewhere = sign_in(Client(HTTP_USER_AGENT=CHROME))
    index = here.get("/admin/").content.decode()
    assert f'href="{reverse("admin:my_sessions")}">Mes sessions</a>' in index
    page = here.get(reverse("admin:my_sessions")).content.decode()
    assert "Firefox sur Linux <strong>(cette session)</strong>" in page
    assert "Chrome sur Windows" in page and "Déconnecter mes autres sessions" in page
    assert here.get(reverse("admin:end_other_sessions")).status_code == 405
    with caplog.at_level(logging.INFO, logger="registre.auth"):
        response = here.post(reverse("admin:end_other_sessions"), follow=True)
    assert "1 autre session déconnectée." in response.content.decode()
    assert "Chrome sur Windows" not in response.content.decode()
    [event] = [e for e in audit_events(caplog) if e["event"] == "other_sessions_ended"]
    assert (event["username"], event["count"]) == ("agent", 1)
    assert elsewhere.get("/admin/").status_code == 302
    assert here.get("/admin/").status_code == 200
    assert StaffSession.objects.count() == 1


def test_ending_other_sessions_needs_the_csrf_token(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(reverse("admin:end_other_sessions")).status_code == 403


def test_my_sessions_needs_a_staff_sign_in(client):
    response = client.get(reverse("admin:my_sessions"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    ("header", "label"),
    [
        (FIREFOX, "Firefox sur Linux"),
        (CHROME, "Chrome sur Windows"),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", "navigateur inconnu"),
    ],
)
def test_browsers_are_named_briefly(header, label):
    assert short_user_agent(header) == label
