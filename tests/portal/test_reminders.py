"""`manage.py send_review_reminders`: who gets which overdue records, once a week."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command

from initiatives.models import PublicationState
from portal import reminders, staff
from portal.models import VerificationReminder

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.date.today() - datetime.timedelta(days=800)
SITE = "https://registre.example.org"


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("le serveur de courriel ne répond pas")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def person(make_staff):
    def make(group=staff.WRITER, email=True, **fields):
        user = make_staff(group)
        user.email = f"{user.username}@example.org" if email else ""
        for name, value in fields.items():
            setattr(user, name, value)
        user.save()
        return user

    return make


def run(**options):
    out = StringIO()
    call_command("send_review_reminders", stdout=out, **options)
    return out.getvalue()


def sent_to(mailoutbox):
    return {message.to[0]: message for message in mailoutbox}


def test_each_responsible_gets_their_overdue_records_with_links(
    person, make_initiative, make_organisation, mailoutbox
):
    claire = person(first_name="Claire", last_name="Dubois")
    late = make_initiative("Rivières vivantes", responsible=claire, last_verified=LONG_AGO)
    make_organisation("Agence de l'eau", responsible=claire, last_verified=LONG_AGO)
    make_initiative("Vérifiée", responsible=claire, last_verified=datetime.date.today())

    assert run() == "1 rappel envoyé.\n"

    (message,) = mailoutbox
    assert message.to == [claire.email]
    assert message.subject == "[Registre] 2 fiches à vérifier"
    body = message.body
    assert body.startswith("Bonjour Claire Dubois,")
    assert "2 fiches n’ont pas été vérifiées dans leur délai." in body
    assert "Sous votre responsabilité\u202f:" in body
    assert "«\u202fRivières vivantes\u202f», à vérifier depuis le " in body
    assert f"{SITE}/admin/initiatives/initiative/{late.pk}/change/" in body
    assert "Organisations" in body and "«\u202fAgence de l'eau\u202f»" in body
    assert "Vérifiée" not in body
    assert "Sans responsable" not in body
    assert "&#x27;" not in body  # plain text, not escaped HTML


def test_a_team_reminds_each_active_member_and_nobody_else(person, make_initiative, mailoutbox):
    team = Group.objects.create(name="Équipe littoral")
    present, absent, outside = person(), person(is_active=False), person()
    present.groups.add(team)
    absent.groups.add(team)
    make_initiative("Dunes", responsible_team=team, last_verified=LONG_AGO)

    run()

    assert set(sent_to(mailoutbox)) == {present.email}
    assert outside.email not in sent_to(mailoutbox)


def test_records_without_anyone_responsible_go_to_those_who_may_publish(
    person, make_initiative, make_person, mailoutbox
):
    reviewer, writer = person(staff.REVIEWER), person(staff.WRITER)
    gone = person(is_active=False)
    make_initiative("Sans responsable", last_verified=LONG_AGO)
    make_person("Durand", responsible=gone, last_verified=LONG_AGO)  # an inactive one: nobody

    run()

    assert set(sent_to(mailoutbox)) == {reviewer.email}
    body = mailoutbox[0].body
    assert "Sans responsable (vous recevez celles-ci parce que vous pouvez les publier)" in body
    assert "«\u202fSans responsable\u202f»" in body and "«\u202fCamille Durand\u202f»" in body
    assert writer.email not in sent_to(mailoutbox)


def test_archived_records_are_never_reminded(person, make_initiative, mailoutbox):
    make_initiative(
        "Archivée",
        state=PublicationState.ARCHIVED,
        responsible=person(),
        last_verified=LONG_AGO,
    )
    assert run() == "Aucun rappel à envoyer.\n"
    assert mailoutbox == []


def test_a_second_run_the_same_week_sends_nothing_and_next_week_sends_again(
    person, make_initiative, mailoutbox
):
    claire = person()
    make_initiative(responsible=claire, last_verified=LONG_AGO)

    run()
    assert len(mailoutbox) == 1
    output = run()
    assert len(mailoutbox) == 1
    assert output == f"Aucun rappel à envoyer.\nDéjà prévenus cette semaine\u202f: {claire}.\n"

    reminder = VerificationReminder.objects.get(user=claire)
    assert reminder.week.weekday() == 0 and reminder.records == 1
    reminder.week -= datetime.timedelta(days=7)
    reminder.save()
    run()
    assert len(mailoutbox) == 2


def test_people_without_an_address_are_named_and_not_marked_reminded(
    person, make_initiative, mailoutbox
):
    nameless = person(email=False)
    make_initiative(responsible=nameless, last_verified=LONG_AGO)
    assert "Sans adresse électronique\u202f: " + nameless.username in run()
    assert mailoutbox == []
    assert not VerificationReminder.objects.exists()


def test_a_failed_send_is_tried_again_next_run(settings, person, make_initiative, mailoutbox):
    claire = person()
    make_initiative(responsible=claire, last_verified=LONG_AGO)
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"

    with pytest.raises(CommandError, match="Envoi impossible pour\u202f: " + claire.username):
        run()
    assert not VerificationReminder.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run()
    assert [message.to for message in mailoutbox] == [[claire.email]]


def test_a_dry_run_says_who_and_sends_nothing(person, make_initiative, mailoutbox):
    claire = person()
    make_initiative(responsible=claire, last_verified=LONG_AGO)
    assert run(dry_run=True) == f"Rappels à envoyer\u202f: 1 ({claire.username}).\n"
    assert mailoutbox == [] and not VerificationReminder.objects.exists()


def test_a_long_list_is_cut_with_a_link_to_the_rest(
    monkeypatch, person, make_initiative, mailoutbox
):
    monkeypatch.setattr(reminders, "SHOWN", 2)
    claire = person()
    for _ in range(5):
        make_initiative(responsible=claire, last_verified=LONG_AGO)
    run()
    body = mailoutbox[0].body
    assert mailoutbox[0].subject == "[Registre] 5 fiches à vérifier"
    assert body.count("à vérifier depuis le") == 2
    assert (
        f"… et 3 autres\u202f: {SITE}/admin/initiatives/initiative/"
        "?verification=overdue&suivi=responsible"
    ) in body
