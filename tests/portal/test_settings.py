import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETUP = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def run_setup(**environ):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", **environ}
    return subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_setup(DJANGO_DEBUG="", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_starts_without_secret_key_in_debug():
    result = run_setup(DJANGO_DEBUG="1", DJANGO_SECRET_KEY="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_debug_is_off_by_default():
    result = run_setup(DJANGO_DEBUG="", DJANGO_SECRET_KEY="a-test-secret-key-long-enough")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_rejects_a_malformed_boolean():
    result = run_setup(DJANGO_DEBUG="peut-être", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_french_locale_and_paris_time():
    assert settings.LANGUAGE_CODE == "fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ is True


def test_the_shared_cache_is_the_database_by_default_and_redis_when_asked(monkeypatch):
    from portal.settings import cache_settings

    monkeypatch.delenv("DJANGO_CACHE_URL", raising=False)
    assert cache_settings()["default"]["BACKEND"] == "portal.cache.PostgresCache"
    monkeypatch.setenv("DJANGO_CACHE_URL", "redis://127.0.0.1:6379/1")
    shared = cache_settings()["default"]
    assert shared["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shared["LOCATION"] == "redis://127.0.0.1:6379/1"


def test_rejects_a_cache_url_it_cannot_use():
    result = run_setup(DJANGO_CACHE_URL="memcached://x", DJANGO_SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "DJANGO_CACHE_URL" in result.stderr


def test_transaction_pooling_turns_off_what_outlives_a_transaction(monkeypatch):
    from portal.settings import pooled, pooling

    monkeypatch.delenv("DATABASE_POOLING", raising=False)
    assert pooling() is False
    monkeypatch.setenv("DATABASE_POOLING", "transaction")
    assert pooling() is True
    config = pooled(
        {
            "NAME": "registre",
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                "connect_timeout": 2,
                "server_side_binding": True,
                "prepare_threshold": 5,
                "options": "-c synchronous_commit=off",
            },
        }
    )
    assert config == {
        "NAME": "registre",
        "CONN_MAX_AGE": 60,
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "OPTIONS": {"connect_timeout": 2, "prepare_threshold": None},
    }


def test_rejects_a_pooling_mode_it_does_not_know():
    result = run_setup(DATABASE_POOLING="session", DJANGO_SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "DATABASE_POOLING" in result.stderr


def test_email_goes_by_smtp_unless_the_environment_says_otherwise(monkeypatch):
    from portal.settings import email_backend

    monkeypatch.delenv("DJANGO_EMAIL_BACKEND", raising=False)
    assert email_backend() == "django.core.mail.backends.smtp.EmailBackend"
    monkeypatch.setenv("DJANGO_EMAIL_BACKEND", "console")
    assert email_backend() == "django.core.mail.backends.console.EmailBackend"
    monkeypatch.setenv("DJANGO_EMAIL_BACKEND", "pigeon")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_EMAIL_BACKEND must be one of"):
        email_backend()


def test_smtp_settings_come_from_the_environment():
    shown = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, "
        "s.DEFAULT_FROM_EMAIL, s.SITE_URL)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_EMAIL_HOST": "smtp.example.org",
        "DJANGO_EMAIL_PORT": "587",
        "DJANGO_EMAIL_HOST_USER": "registre",
        "DJANGO_EMAIL_USE_TLS": "1",
        "DJANGO_DEFAULT_FROM_EMAIL": "registre@example.org",
        "DJANGO_SITE_URL": "https://registre.example.org/",
    }
    result = subprocess.run(
        [sys.executable, "-c", shown],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "smtp.example.org",
        "587",
        "registre",
        "True",
        "registre@example.org",
        "https://registre.example.org",
    ]


def test_tests_keep_email_in_memory():
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_a_deployment_starts_a_new_cache(tmp_path, monkeypatch):
    """The shared cache outlives the processes: pages kept by the code before a deployment
    must not be served by the code after it."""
    from portal.settings import code_version

    monkeypatch.delenv("DJANGO_CODE_VERSION", raising=False)
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>avant</p>")
    before = code_version(tmp_path)
    assert code_version(tmp_path) == before
    page.write_text("<p>après</p>")
    assert code_version(tmp_path) != before
    monkeypatch.setenv("DJANGO_CODE_VERSION", "2026.12.1")
    assert code_version(tmp_path) == "2026.12.1"
