"""« Anonymiser » and « Exporter ses données » from the staff site and the command line: only
an Administrateur may, each in French, each leaving an audit line."""

import io
import json
import logging
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import CommandError, call_command
from django.urls import reverse

from actors.models import Person
from actors.privacy import Erasure
from portal import staff

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:actors_person_changelist")
EMAIL = "jeanne.demande@example.org"


@pytest.fixture
def administrator(make_staff):
    return make_staff(staff.ADMINISTRATOR)


@pytest.fixture
def person(make_person):
    return make_person(last_name="Demandeuse", first_name="Jeanne", email=EMAIL)


def act(client, action, *people, follow=False, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, ACTION_CHECKBOX_NAME: [p.pk for p in people], **extra},
        follow=follow,
    )


def audit_lines(caplog, event):
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "registre.auth"]
    return [line for line in lines if line["event"] == event]


@pytest.mark.parametrize("group", [staff.WRITER, staff.REVIEWER])
def test_only_an_administrator_may_anonymise_or_export(client, make_staff, person, group):
    user = make_staff(group)
    client.force_login(user)
    page = client.get(CHANGELIST).content.decode()
    assert "anonymise_action" not in page and "export_action" not in page
    for action in ("anonymise_action", "export_action"):
        act(client, action, person, confirmed="True", keep_roles="on")
    person.refresh_from_db()
    assert person.last_name == "Demandeuse" and person.email == EMAIL
    assert not Erasure.objects.exists()
    assert not user.has_perm("actors.view_erasure")


def test_anonymise_asks_for_confirmation_in_french_then_erases(
    client, administrator, person, caplog, settings
):
    settings.REGISTRE_ERASURE_KEEPS_ROLES = True
    client.force_login(administrator)
    assert "anonymise_action" in client.get(CHANGELIST).content.decode()

    page = act(client, "anonymise_action", person)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Anonymiser définitivement" in text
    assert "sa présentation, son courriel, son téléphone" in text
    assert re.search(r'<input[^>]*name="keep_roles"[^>]*checked', text)  # the setting's default
    person.refresh_from_db()
    assert person.last_name == "Demandeuse"  # nothing done before the confirmation

    caplog.set_level(logging.INFO, logger="registre.auth")
    response = act(client, "anonymise_action", person, confirmed="True", follow=True)
    assert f"La personne n° {person.pk} est anonymisée" in response.content.decode()
    assert "Demandeuse" not in response.content.decode()  # box unticked: roles dropped
    person.refresh_from_db()
    assert (person.full_name, person.email) == ("Personne anonymisée", "")
    erasure = Erasure.objects.get()
    assert (erasure.erased_by, erasure.roles_kept) == (administrator, False)
    [line] = audit_lines(caplog, "erasure")
    assert line["person_id"] == person.pk
    assert line["username"] == administrator.username and "email" in line["fields"]
    assert EMAIL not in json.dumps(line) and "Demandeuse" not in json.dumps(line)

    log = client.get(reverse("admin:actors_erasure_changelist"), {"q": administrator.username})
    assert log.status_code == 200 and administrator.username in log.content.decode()
    found = client.get(reverse("admin:actors_erasure_changelist"), {"q": str(person.pk)})
    assert "1 anonymisation" in found.content.decode()
    assert client.get(reverse("admin:actors_erasure_add")).status_code == 403
    detail = client.get(reverse("admin:actors_erasure_change", args=[erasure.pk])).content.decode()
    assert "prénom, nom, adresse de la fiche, courriel, sources citées" in detail
    assert "first_name" not in detail


def test_one_person_at_a_time(client, administrator, person, make_person):
    client.force_login(administrator)
    response = act(client, "anonymise_action", person, make_person(), follow=True)
    assert "Choisissez une seule personne" in response.content.decode()
    assert not Erasure.objects.exists()


def test_export_downloads_json_and_is_audited(client, administrator, person, caplog):
    caplog.set_level(logging.INFO, logger="registre.auth")
    client.force_login(administrator)
    response = act(client, "export_action", person)
    assert response["Content-Type"].startswith("application/json")
    assert f"donnees-personne-{person.pk}.json" in response["Content-Disposition"]
    assert json.loads(response.content)["person"]["email"] == EMAIL
    [line] = audit_lines(caplog, "personal_data_export")
    assert line["person_id"] == person.pk


@pytest.mark.parametrize("command", ["anonymise_person", "export_person_data"])
def test_commands_refuse_an_unknown_person_in_french(command, person):
    with pytest.raises(CommandError, match="Aucune personne n’a l’adresse ou le numéro"):
        call_command(command, "personne-inconnue", stdout=io.StringIO())
    person.refresh_from_db()
    assert person.email == EMAIL


def test_command_finds_a_person_by_number_and_logs_the_os_user(person, caplog):
    caplog.set_level(logging.INFO, logger="registre.auth")
    out = io.StringIO()
    call_command("anonymise_person", str(person.pk), "--keep-roles", stdout=out)
    assert "anonymisée" in out.getvalue()
    assert Erasure.objects.get().roles_kept is True
    assert Person.objects.get(pk=person.pk).email == ""
    assert audit_lines(caplog, "erasure")[0]["username"]


def test_the_personal_data_page_says_what_erasure_and_alerts_do(client):
    text = client.get("/donnees-personnelles/").content.decode()
    assert "Personne anonymisée" in text
    assert "retire son consentement" in text
    assert "Une demande non confirmée est effacée après 7 jours" in text
