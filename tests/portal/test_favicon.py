import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_favicon_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


def test_public_and_staff_pages_link_the_icon(client, admin_client):
    assert b'rel="icon"' in client.get(reverse("home")).content
    assert b'rel="icon"' in admin_client.get("/admin/").content
