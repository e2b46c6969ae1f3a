"""Reviewers hear of submissions by email: one per submission or a daily digest, as they chose;
the digest never tells a submission twice. The last test goes over real SMTP."""

import email
import email.policy
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from initiatives import notifications, workflow
from initiatives.models import PublicationState, ReviewEmailPreference, ReviewStep
from portal import staff
from tests.support.smtp import SMTPServer

pytestmark = pytest.mark.django_db
State = PublicationState
Frequency = ReviewEmailPreference.Frequency


@pytest.fixture
def make_reviewer(make_staff):
    def make(frequency=None, email_address="auto", group=staff.REVIEWER):
        user = make_staff(group)
        user.email = f"{user.username}@example.org" if email_address == "auto" else email_address
        user.first_name = "Rémi"
        user.save()
        if frequency is not None:
            ReviewEmailPreference.objects.create(user=user, frequency=frequency)
        return user

    return make


def submit(record, user, comment, callbacks):
    with callbacks(execute=True):
        workflow.perform("submit", record, user, comment)


def test_reviewers_who_want_each_submission_get_one_email(
    writer, make_reviewer, make_initiative, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://registre.example.org"
    default = make_reviewer()  # never chose: one email per submission
    each = make_reviewer(Frequency.EACH)
    make_reviewer(Frequency.DAILY)
    make_reviewer(Frequency.NEVER)
    make_reviewer(email_address="")
    make_reviewer(group=staff.WRITER)  # may not publish
    inactive = make_reviewer()
    inactive.is_active = False
    inactive.save()
    record = make_initiative("Tiers-lieu de Lens", state=State.DRAFT)

    submit(record, writer, "Prête, avec deux acteurs.", django_capture_on_commit_callbacks)

    assert sorted(message.to[0] for message in mail.outbox) == sorted([default.email, each.email])
    message = mail.outbox[0]
    quoted = "«\u202fTiers-lieu de Lens\u202f»"
    assert message.subject == f"[Registre] À relire\u202f: {quoted} (initiative)"
    assert "Prête, avec deux acteurs." in message.body
    path = reverse("admin:initiatives_initiative_change", args=[record.pk])
    assert f"https://registre.example.org{path}" in message.body
    assert f"a soumis à la relecture la fiche {quoted} (initiative)" in message.body


def test_no_email_before_the_transaction_commits_nor_when_it_is_refused(
    writer, make_reviewer, make_initiative, django_capture_on_commit_callbacks
):
    make_reviewer()
    record = make_initiative(state=State.REVIEW)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(workflow.TransitionRefused),
    ):
        workflow.perform("submit", record, writer)
    assert mail.outbox == []


def test_a_reviewer_submitting_is_not_told_of_their_own_submission(
    make_reviewer, make_initiative, django_capture_on_commit_callbacks
):
    author = make_reviewer()
    other = make_reviewer()
    submit(make_initiative(state=State.DRAFT), author, "", django_capture_on_commit_callbacks)
    assert [message.to for message in mail.outbox] == [[other.email]]


def test_reviewers_are_told_only_of_the_models_they_may_publish(
    writer, make_reviewer, make_organisation, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group, Permission

    make_reviewer()
    initiatives_only = Group.objects.create(name="Relecteurs des initiatives")
    initiatives_only.permissions.add(Permission.objects.get(codename="publish_initiative"))
    narrow = make_reviewer(group=staff.WRITER)
    narrow.groups.add(initiatives_only)
    submit(make_organisation(state=State.DRAFT), writer, "", django_capture_on_commit_callbacks)
    assert narrow.email not in [message.to[0] for message in mail.outbox]
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_never_undoes_the_submission(
    writer, make_reviewer, make_initiative, django_capture_on_commit_callbacks, settings, caplog
):
    make_reviewer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    record = make_initiative(state=State.DRAFT)
    with caplog.at_level(logging.ERROR, logger="initiatives.notifications"):
        submit(record, writer, "", django_capture_on_commit_callbacks)
    record.refresh_from_db()
    assert record.publication_state == State.REVIEW
    assert "Courriel de relecture non envoyé" in caplog.text


def test_the_digest_lists_pending_submissions_once(
    writer, make_reviewer, make_initiative, django_capture_on_commit_callbacks
):
    daily = make_reviewer(Frequency.DAILY)
    first = make_initiative("Ressourcerie", state=State.DRAFT)
    second = make_initiative("Jardin partagé", state=State.DRAFT)
    withdrawn = make_initiative("Abandonnée", state=State.DRAFT)
    for record, comment in ((first, "Première"), (second, ""), (withdrawn, "")):
        submit(record, writer, comment, django_capture_on_commit_callbacks)
    workflow.perform("request_changes", withdrawn, daily)  # no longer waiting
    assert mail.outbox == []  # the digest reader got nothing at submission

    call_command("send_review_digest", verbosity=0)
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [daily.email]
    assert digest.subject == "[Registre] 2 fiches à relire"
    assert "«\u202fRessourcerie\u202f»" in digest.body and "Première" in digest.body
    assert "«\u202fJardin partagé\u202f»" in digest.body and "Abandonnée" not in digest.body
    assert not ReviewStep.objects.filter(action="submit", notified_at__isnull=True).exists()

    call_command("send_review_digest", verbosity=0)  # cron ran twice: nothing new
    assert len(mail.outbox) == 1

    third = make_initiative("Recyclerie", state=State.DRAFT)
    submit(third, writer, "", django_capture_on_commit_callbacks)
    assert notifications.send_digests() == 1
    assert mail.outbox[1].subject == "[Registre] 1 fiche à relire"
    body = mail.outbox[1].body
    assert "«\u202fRecyclerie\u202f»" in body and "Ressourcerie" not in body


def test_the_digest_with_nothing_pending_sends_nothing(make_reviewer, capsys):
    make_reviewer(Frequency.DAILY)
    call_command("send_review_digest")
    assert mail.outbox == []
    assert "Aucun résumé à envoyer." in capsys.readouterr().out


def test_a_real_submission_notice_goes_over_smtp(
    client, writer, make_reviewer, make_initiative, django_capture_on_commit_callbacks, settings
):
    """End to end: the admin's button, the transaction's commit, Django's SMTP backend with a
    login, a server on the loopback, and the message as it arrived on the wire."""
    reviewer = make_reviewer()
    record = make_initiative("Épicerie solidaire", state=State.DRAFT)
    with SMTPServer(username="registre", password="secret de test") as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "registre", "secret de test"
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.DEFAULT_FROM_EMAIL = "registre@example.org"
        client.force_login(writer)
        url = reverse("admin:initiatives_initiative_transition", args=[record.pk, "submit"])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"comment": "Relue par l’équipe : à publier."})
        assert response.status_code == 302

    assert len(server.messages) == 1
    received = server.messages[0]
    assert (received.sender, received.recipients, received.login) == (
        "registre@example.org",
        [reviewer.email],
        "registre",
    )
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert (
        message["Subject"].strip()
        == "[Registre] À relire\u202f: «\u202fÉpicerie solidaire\u202f» (initiative)"
    )
    body = message.get_body().get_content()
    assert "Relue par l’équipe : à publier." in body
    assert reverse("admin:initiatives_initiative_change", args=[record.pk]) in body
