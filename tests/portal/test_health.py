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
