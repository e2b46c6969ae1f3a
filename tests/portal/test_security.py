import json
import logging
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from tests.support.observatory import score

pytestmark = pytest.mark.django_db
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}


@pytest.mark.parametrize("url", ["/", "/admin/login/", "/initiatives/", "/recherche/?q=eau"])
def test_observatory_score_is_at_least_a_plus_105(client, url):
    response = client.get(url, **HTTPS)
    total, results = score(response)
    assert total >= 105, results


def test_the_login_page_scores_with_its_cookies(client):
    response = client.get("/admin/login/", **HTTPS)
    assert "csrftoken" in response.cookies
    total, results = score(response)
    assert results["cookies-secure-with-httponly-sessions-and-samesite"] == 5
    assert total == 125


def test_content_security_policy_has_nothing_unsafe(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_https_requests_get_the_full_header_set(client):
    headers = client.get("/", **HTTPS).headers
    assert int(headers["Strict-Transport-Security"].split("max-age=")[1].split(";")[0]) >= 31536000
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]


def test_plain_local_http_works_without_hsts(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_cookies_follow_the_scheme_when_secure_cookies_are_off(client, settings):
    # As `make run` does for local HTTP: HTTPS requests still get Secure cookies.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    assert client.get("/admin/login/", **HTTPS).cookies["csrftoken"]["secure"] is True
    assert not client.get("/admin/login/").cookies["csrftoken"]["secure"]


def test_deployment_checks_pass_with_production_settings():
    # Not the browser tests' switch (tests/browser/conftest.py): it stays set in a worker
    # that ran them before this test, and no deployment has it.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9Zr2" * 8,
        "DJANGO_ALLOWED_HOSTS": "registre.example.org",
        "DJANGO_SECURE_SSL_REDIRECT": "1",
        "DJANGO_SECURE_COOKIES": "1",
        # security.txt's contact and expiry: a deployment sets them (portal.reporting).
        "DJANGO_SECURITY_CONTACT": "mailto:securite@registre.example.org",
        "DJANGO_SECURITY_TXT_EXPIRES": (date.today() + timedelta(days=180)).isoformat(),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


@pytest.fixture
def staff_user():
    return User.objects.create_user("agent", password="un mot de passe solide", is_staff=True)


def attempt(client, password):
    return client.post(
        reverse("admin:login"), {"username": "agent", "password": password, "next": "/admin/"}
    )


def test_admin_login_locks_after_five_failures(client, staff_user):
    for _ in range(4):
        assert attempt(client, "mauvais").status_code == 200
    assert attempt(client, "mauvais").status_code == 429  # the fifth failure locks
    locked = attempt(client, "un mot de passe solide")
    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_superuser_unlocks_a_locked_account(client, staff_user):
    from axes.utils import reset

    for _ in range(5):
        attempt(client, "mauvais")
    reset(username="agent")  # what the admin's "Access attempts" deletion does
    assert attempt(client, "un mot de passe solide").status_code == 302


def test_logins_and_failures_are_logged_as_json_lines(client, staff_user, caplog):
    with caplog.at_level(logging.INFO, logger="registre.auth"):
        attempt(client, "mauvais")
        attempt(client, "un mot de passe solide")
        client.post(reverse("admin:logout"))
    events = [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "registre.auth"
    ]
    assert [event["event"] for event in events] == ["login_failed", "login", "logout"]
    assert all(event["username"] == "agent" and "ip" in event for event in events)


def test_passwords_must_be_long_and_uncommon():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("court1", "password1234", "123456789012", "agent-agent-agent"):
        with pytest.raises(ValidationError):
            validate_password(weak, User(username="agent-agent-agent"))
    validate_password("le registre des Hauts-de-France")
