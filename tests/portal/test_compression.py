"""Public pages are compressed; pages that may hold a secret (a CSRF token, a staff session,
a cookie) never are (BREACH); the page cache keeps working underneath."""

import gzip

import pytest
from django.urls import reverse

from portal.cache import CACHE_HEADER

pytestmark = pytest.mark.django_db

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def public_urls(initiative):
    return [reverse("home"), reverse("initiative_index"), initiative.get_absolute_url()]


def test_public_pages_are_gzipped_and_vary_on_accept_encoding(client, make_initiative):
    initiative = make_initiative("Club Noé", summary="Économie circulaire " * 50)
    for url in public_urls(initiative):
        plain = client.get(url)
        assert plain.status_code == 200
        assert "Content-Encoding" not in plain
        assert "Accept-Encoding" in plain["Vary"]
        packed = client.get(url, headers=GZIP)
        assert packed["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed["Vary"]
        assert gzip.decompress(packed.content) == plain.content
        assert len(packed.content) < len(plain.content) / 2


def test_the_cached_page_is_compressed_on_its_way_out(client, make_initiative):
    initiative = make_initiative("Club Noé")
    url = initiative.get_absolute_url()
    first = client.get(url, headers=GZIP)
    assert first[CACHE_HEADER] == "miss"
    plain = client.get(url)
    assert plain[CACHE_HEADER] == "hit"
    assert "Content-Encoding" not in plain
    again = client.get(url, headers=GZIP)
    assert again[CACHE_HEADER] == "hit"
    assert gzip.decompress(again.content) == plain.content


def test_a_page_with_a_csrf_token_is_not_compressed(rf):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from portal.compression import PublicPageGZipMiddleware

    def view(request):
        return HttpResponse(f"<p>{get_token(request)}</p>" * 100, content_type="text/html")

    request = rf.get("/formulaire/", headers=GZIP)
    response = PublicPageGZipMiddleware(view)(request)
    assert "Content-Encoding" not in response


def test_staff_pages_and_pages_setting_cookies_are_not_compressed(admin_client, client):
    response = admin_client.get(reverse("home"), headers=GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    login = client.get(reverse("admin:login"), headers=GZIP)
    assert login.status_code == 200
    assert login.cookies  # the CSRF cookie
    assert "Content-Encoding" not in login


def test_open_data_and_exports_are_left_alone(client):
    assert "Content-Encoding" not in client.get("/api/thematiques/", headers=GZIP)
    assert "Content-Encoding" not in client.get("/initiatives/export.csv", headers=GZIP)
