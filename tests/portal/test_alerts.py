import datetime
import email
import re
from email.policy import default as default_policy

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Initiative, PublicationState, Theme
from portal import alerts
from portal.models import Alert
from tests.support.smtp import SMTPServer

pytestmark = pytest.mark.django_db
LIST = "thematique=economie-circulaire"


@pytest.fixture
def theme():
    return Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")


def subscribe(client, address="camille@example.org", query=LIST, frequency="quotidien"):
    return client.post(
        reverse("alert_subscribe"), {"email": address, "frequence": frequency, "liste": query}
    )


def link_in(message, name):
    return re.search(rf"https?://\S+/alertes/{name}/\S+/", message.body).group(0)


def confirmed(client, address="camille@example.org", query=LIST, frequency="quotidien"):
    assert subscribe(client, address, query, frequency).status_code == 200
    url = link_in(mail.outbox[-1], "confirmer")
    assert client.get(url).status_code == 200
    return Alert.objects.get(email=address, query=query)


def backdate(alert, days):
    Alert.objects.filter(pk=alert.pk).update(
        sent_through=timezone.now() - datetime.timedelta(days=days)
    )


def test_nothing_is_sent_before_the_address_confirms(client, theme, make_initiative):
    response = subscribe(client)
    assert response.status_code == 200
    assert "camille@example.org" not in response.content.decode()
    alert = Alert.objects.get()
    assert alert.confirmed_at is None and alert.query == LIST
    assert len(mail.outbox) == 1 and "Confirmez" in mail.outbox[0].subject
    make_initiative("Club Noé").themes.add(theme)
    assert alerts.send_digests() == (0, 0)
    assert len(mail.outbox) == 1
    client.get(link_in(mail.outbox[0], "confirmer"))
    alert.refresh_from_db()
    assert alert.confirmed_at is not None


def test_a_confirmation_link_expires_and_cannot_be_forged(client, theme):
    subscribe(client)
    url = link_in(mail.outbox[0], "confirmer")
    later = timezone.now() + datetime.timedelta(days=alerts.CONFIRMATION_DAYS + 1)
    signer_time = later.timestamp()
    import time

    real = time.time
    time.time = lambda: signer_time
    try:
        response = client.get(url)
    finally:
        time.time = real
    assert response.status_code == 400 and "expiré" in response.content.decode()
    forged = reverse("alert_confirm", args=[signing.dumps(Alert.objects.get().pk, salt="x")])
    assert client.get(forged).status_code == 400
    assert Alert.objects.get().confirmed_at is None


def test_invalid_requests_are_refused_in_french(client, theme):
    response = subscribe(client, address="pas une adresse")
    # The form comes back with the typed address, to correct rather than retype.
    assert response.status_code == 400 and 'value="pas une adresse"' in response.content.decode()
    response = subscribe(client, query="thematique=atlantide")
    assert response.status_code == 400 and "aucun choix connu" in response.content.decode()
    assert subscribe(client, query="utm_source=x").status_code == 400
    assert not Alert.objects.exists() and not mail.outbox


def test_subscriptions_are_rate_limited(client, theme):
    for number in range(alerts.PER_CLIENT):
        assert subscribe(client, address=f"a{number}@example.org").status_code == 200
    assert subscribe(client, address="encore@example.org").status_code == 429
    with connections["cache"].cursor() as cursor:  # the next hour for this address
        cursor.execute("DELETE FROM portal_windowcount WHERE name LIKE 'alerts-rate:ip:%'")
    for _ in range(alerts.PER_EMAIL):
        assert subscribe(client, address="cible@example.org").status_code == 200
    assert subscribe(client, address="cible@example.org").status_code == 429


def test_digest_lists_new_and_changed_initiatives_once_then_unsubscribe(
    client, theme, make_initiative
):
    old = make_initiative("Ressourcerie picarde")
    old.themes.add(theme)
    alert = confirmed(client)
    backdate(alert, 2)
    Initiative.objects.filter(pk=old.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=30)
    )
    make_initiative("Club Noé").themes.add(theme)
    make_initiative("Hors de la liste")
    old.refresh_from_db()
    old.summary = "Nouveau résumé."
    old.save()
    mail.outbox.clear()
    assert alerts.send_digests() == (1, 1)
    message = mail.outbox[0]
    assert message.to == ["camille@example.org"]
    new_part, changed_part = message.body.split("Initiatives mises à jour")
    assert "Club Noé" in new_part and "Ressourcerie picarde" in changed_part
    assert "Hors de la liste" not in message.body
    assert f"/initiatives/?{LIST}" in message.body
    unsubscribe = link_in(message, "desabonner")
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Idempotent: again the same day, nothing.
    assert alerts.send_digests() == (0, 0)
    call_command("send_alerts")
    assert len(mail.outbox) == 1
    # One click (or the mail client's POST) deletes the alert and its address.
    response = client.get(unsubscribe)
    assert response.status_code == 200 and "Désabonnement" in response.content.decode()
    assert not Alert.objects.exists()
    assert client.post(unsubscribe).status_code == 200


def test_a_digest_never_lists_what_the_public_cannot_see(client, theme, make_initiative):
    alert = confirmed(client)
    backdate(alert, 2)
    make_initiative("Brouillon picard", state=PublicationState.DRAFT).themes.add(theme)
    withdrawn = make_initiative("Retirée depuis")
    withdrawn.themes.add(theme)
    # Unpublished by a bulk update, the path that fires no signal: the triggers still decide.
    Initiative.objects.filter(pk=withdrawn.pk).update(publication_state=PublicationState.DRAFT)
    make_initiative("Club Noé").themes.add(theme)
    mail.outbox.clear()
    assert alerts.send_digests() == (1, 1)
    body = mail.outbox[0].body
    assert "Club Noé" in body
    assert "Brouillon picard" not in body and "Retirée depuis" not in body


def test_weekly_alerts_wait_for_the_next_week(client, theme, make_initiative):
    alert = confirmed(client, frequency="hebdomadaire")
    make_initiative("Club Noé").themes.add(theme)
    assert alerts.send_digests() == (0, 0)
    backdate(alert, 8)
    assert alerts.send_digests() == (1, 1)


def test_queries_grow_with_lists_not_with_alerts(client, theme, make_initiative):
    for number in range(3):
        make_initiative(f"Initiative circulaire {number}").themes.add(theme)

    def run(count):
        Alert.objects.all().delete()
        moment = timezone.now() - datetime.timedelta(days=2)
        Alert.objects.bulk_create(
            Alert(
                email=f"p{number}@example.org",
                query=LIST if number % 2 else "",
                frequency="quotidien",
                confirmed_at=moment,
                sent_through=moment,
            )
            for number in range(count)
        )
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            done, sent = alerts.send_digests()
        assert done == sent == count == len(mail.outbox)
        return len(queries)

    assert run(4) == run(40)


def test_a_digest_goes_over_smtp(client, theme, make_initiative, settings):
    alert = confirmed(client)
    backdate(alert, 2)
    make_initiative("Club Noé").themes.add(theme)
    with SMTPServer(username="registre", password="secret de test") as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "registre", "secret de test"
        call_command("send_alerts")
    [received] = server.messages
    assert received.recipients == ["camille@example.org"]
    message = email.message_from_bytes(received.data, policy=default_policy)
    assert str(message["Subject"]).strip() == "[Registre] 1 nouveauté\u202f: Économie circulaire"
    assert str(message["List-Unsubscribe"]).strip().startswith("<http")
    assert "Club Noé" in message.get_content()
