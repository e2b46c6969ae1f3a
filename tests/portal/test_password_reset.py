"""The staff's password reset by email (portal.password_reset), with Django's locmem backend."""

import json
import logging
import re

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import password_reset

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "un tout nouveau mot de passe"


@pytest.fixture
def agent(reviewer):
    reviewer.email = "agent@region.example"
    reviewer.save()
    return reviewer


def ask(client, email):
    return client.post(reverse("admin_password_reset"), {"email": email}, follow=True)


def link_in(message):
    return re.search(r"https?://[^/]+(/admin/mot-de-passe-oublie/\S+/)", message.body).group(1)


def test_the_login_page_offers_the_reset(client):
    page = client.get(reverse("admin:login")).content.decode()
    assert reverse("admin_password_reset") in page


def test_a_known_and_an_unknown_address_get_the_same_answer(client, agent):
    known = ask(client, "agent@region.example")
    unknown = ask(client, "personne@region.example")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    strip = lambda response: re.sub(  # noqa: E731
        r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()
    )
    assert strip(known) == strip(unknown)
    assert "Registre des initiatives" in strip(known) and "Django" not in strip(known)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["agent@region.example"]
    assert "Réinitialisation du mot de passe" in mail.outbox[0].subject


def test_the_link_sets_a_new_password_once_and_signs_nobody_in(client, agent):
    TOTPDevice.objects.create(user=agent, name="app", confirmed=True)
    ask(client, "agent@region.example")
    link = link_in(mail.outbox[0])
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.status_code == 200 and "_auth_user_id" not in client.session
    agent.refresh_from_db()
    assert agent.check_password(NEW_PASSWORD)
    # The same link again: refused.
    again = client.get(link, follow=True).content.decode()
    assert "n’était pas valide" in again
    # The new password leads to the second factor, as always.
    response = client.post(
        reverse("admin:login"), {"username": agent.username, "password": NEW_PASSWORD}
    )
    assert response.url == reverse("admin:second_factor")


def test_an_expired_link_is_refused(client, agent, settings):
    settings.PASSWORD_RESET_TIMEOUT = 60
    generator = PasswordResetTokenGenerator()
    moment = generator._num_seconds(generator._now()) - 120
    old = generator._make_token_with_timestamp(agent, moment, settings.SECRET_KEY)
    uid = urlsafe_base64_encode(force_bytes(agent.pk))
    page = client.get(f"/admin/mot-de-passe-oublie/{uid}/{old}/", follow=True)
    assert "n’était pas valide" in page.content.decode()


def test_requests_are_limited_per_address(client, agent):
    for _ in range(password_reset.REQUESTS_PER_HOUR):
        assert ask(client, "agent@region.example").status_code == 200
    refused = client.post(reverse("admin_password_reset"), {"email": "agent@region.example"})
    assert refused.status_code == 429 and "Trop de demandes" in refused.content.decode()
    assert len(mail.outbox) == password_reset.REQUESTS_PER_HOUR


def test_requests_and_resets_are_logged(client, agent, caplog):
    with caplog.at_level(logging.INFO, logger="registre.auth"):
        ask(client, "personne@region.example")
        ask(client, "agent@region.example")
        form = client.get(link_in(mail.outbox[0]), follow=True)
        client.post(
            form.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "registre.auth"]
    assert [(e["event"], e["username"]) for e in logged] == [
        ("password_reset_requested", ""),
        ("password_reset_requested", agent.username),
        ("password_reset_done", agent.username),
    ]
    assert "region.example" not in json.dumps(logged)  # the addresses asked are not kept


def test_a_user_without_an_email_or_inactive_gets_nothing(client, agent):
    User.objects.filter(pk=agent.pk).update(is_active=False)
    ask(client, "agent@region.example")
    assert mail.outbox == []
