import pytest
from django.db import connection
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_when_the_database_is_unreachable(client, tmp_path):
    original = connection.settings_dict.copy()
    connection.close()
    # A socket directory where no server listens: a real connection failure.
    connection.settings_dict.update(HOST=str(tmp_path), PORT="5432")
    try:
        response = client.get(reverse("healthz"))
    finally:
        connection.close()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "reason": "database unavailable"}


@pytest.mark.django_db(transaction=True)
def test_pages_answer_a_styled_503_quickly_and_recover_without_restart(tmp_path):
    import time

    from django.test import Client

    client = Client(raise_request_exception=False)
    assert client.get("/").status_code == 200
    original = connection.settings_dict.copy()
    connection.close()
    connection.settings_dict.update(HOST=str(tmp_path), PORT="5432")  # the server is gone
    try:
        started = time.monotonic()
        response = client.get("/initiatives/")
        elapsed = time.monotonic() - started
    finally:
        connection.close()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Service momentanément indisponible" in html and "site.css" in html
    assert "Traceback" not in html and "psycopg" not in html
    assert elapsed < 1
    assert client.get("/initiatives/").status_code == 200  # back, same process


def test_other_errors_are_a_styled_500(rf):
    from portal.views import server_error

    try:
        raise ValueError("boom")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Le service rencontre une difficulté" in response.content.decode()
