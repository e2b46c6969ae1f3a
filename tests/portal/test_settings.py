import os
import subprocess
import sys

from django.conf import settings

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
