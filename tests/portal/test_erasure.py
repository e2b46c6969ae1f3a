"""The proof of erasure: after « Anonymiser », a person's email, phone and name are nowhere in
the database (every text-like column of every table, history included), in any public output,
in the open-data dump or in a backup made afterwards."""

import datetime
import io
import json
import subprocess
import tarfile
import zipfile

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from actors.models import Affiliation, Involvement, Person
from actors.privacy import Erasure
from initiatives.models import Initiative, Proposal, SourceCitation
from portal.backups import DATABASE_MEMBER, backup, client_program

EMAIL = "zoe.effacee@example.org"
PHONE = "03 20 99 88 77"
LAST_NAME = "Zyxwvutsky"
SECRETS = (EMAIL, PHONE, LAST_NAME)
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "tsvector")


def columns_holding(value):
    """(table, column) of every text-like column of the public schema holding `value`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "JOIN information_schema.tables USING (table_schema, table_name) "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
            "AND data_type = ANY(%s)",
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        assert len(columns) > 100  # every table, history tables included
        found = []
        for table, column in columns:
            cursor.execute(
                f'SELECT EXISTS (SELECT FROM "{table}" WHERE "{column}"::text ILIKE %s)',
                [f"%{value}%"],
            )
            if cursor.fetchone()[0]:
                found.append((table, column))
        return found


def backup_sql(tmp_path):
    """The SQL of a backup made now (its database member is pg_dump's compressed format)."""
    archive = backup(connection.settings_dict, tmp_path / "media", tmp_path / "backup.tar.gz")
    with tarfile.open(archive, "r:gz") as tar:
        (tmp_path / DATABASE_MEMBER).write_bytes(tar.extractfile(DATABASE_MEMBER).read())
    return subprocess.run(
        [client_program("pg_restore"), "--file=-", str(tmp_path / DATABASE_MEMBER)],
        capture_output=True,
        check=True,
    ).stdout.decode()


def a_person_known_to_the_registry(make_person, make_organisation, make_initiative):
    admin = User.objects.create_user("gestionnaire", is_staff=True)
    person = make_person(
        last_name=LAST_NAME,
        first_name="Zoé",
        biography=f"Zoé {LAST_NAME} anime le réseau ; joignable au {PHONE}.",
        email=EMAIL,
        phone=PHONE,
        contact_consent=True,
        consent_recorded_on=datetime.date(2026, 2, 1),
    )
    person.biography += " Mise à jour."
    person.save()  # a second version, also holding the contact details
    organisation = make_organisation("Réseau régional")
    Affiliation.objects.create(person=person, organisation=organisation, job_title="Animatrice")
    initiative = make_initiative("Ateliers du réseau")
    Involvement.objects.create(initiative=initiative, person=person, role="contact")
    person_type = ContentType.objects.get_for_model(Person)
    SourceCitation.objects.create(
        content_type=person_type,
        object_id=person.pk,
        url="https://example.org/equipe/zoe",
        note=f"Annuaire : {EMAIL}",
    )
    Proposal.objects.create(
        content_type=person_type,
        object_id=person.pk,
        author=admin,
        data={"email": [EMAIL], "phone": [PHONE], "last_name": [LAST_NAME]},
        changes={"fields": ["email"], "parts": {}},
    )
    LogEntry.objects.log_actions(
        admin.pk, [person], CHANGE, change_message="[]", single_object=True
    )
    return person, initiative


@pytest.mark.django_db(transaction=True)
def test_an_anonymised_person_is_nowhere(
    client, tmp_path, make_person, make_organisation, make_initiative
):
    person, initiative = a_person_known_to_the_registry(
        make_person, make_organisation, make_initiative
    )
    old_page = person.get_absolute_url()
    assert EMAIL in client.get(old_page).content.decode()  # consented: public, and now cached
    assert columns_holding(EMAIL)  # the search finds what is there

    call_command("anonymise_person", person.slug, "--username", "dpo", stdout=io.StringIO())

    for secret in SECRETS:
        assert columns_holding(secret) == [], secret
    person.refresh_from_db()
    assert person.full_name == "Personne anonymisée"
    assert Person.history.filter(id=person.pk).count() == 2
    assert set(Person.history.filter(id=person.pk).values_list("first_name", "email")) == {
        ("Personne", "")
    }
    assert Involvement.objects.filter(person=person).count() == 1  # roles kept by default
    [erasure] = Erasure.objects.all()
    assert (erasure.person_id, erasure.erased_by_name, erasure.roles_kept) == (
        person.pk, "dpo", True
    )  # fmt: skip
    assert {"email", "phone", "biography", "first_name", "last_name"} <= set(erasure.fields)

    assert client.get(old_page).status_code == 404
    outputs = {
        "page": client.get(person.get_absolute_url()),
        "initiative": client.get(initiative.get_absolute_url()),
        "api": client.get("/api/personnes/"),
        "search": client.get("/recherche/", {"q": "Zoé"}),  # a query is echoed
        "feed": client.get("/flux/initiatives.atom"),
        **{fmt: client.get(f"/initiatives/export.{fmt}") for fmt in ("csv", "json", "geojson")},
    }
    for name, response in outputs.items():
        assert response.status_code == 200, name
        text = b"".join(response.streaming_content) if response.streaming else response.content
        for secret in SECRETS:
            assert secret not in text.decode(), (name, secret)
    assert "Personne anonymisée" in outputs["initiative"].content.decode()

    call_command("dump_opendata", "--output", str(tmp_path), "--date", "2026-12-01")
    [archive] = tmp_path.glob("*.zip")
    with zipfile.ZipFile(archive) as dump:
        for member in dump.namelist():
            text = dump.read(member).decode("utf-8-sig")
            for secret in SECRETS:
                assert secret not in text, (member, secret)

    sql = backup_sql(tmp_path)
    assert "Personne" in sql and "anonymisée" in sql  # the backup holds the registry
    for secret in SECRETS:
        assert secret not in sql, secret


@pytest.mark.django_db
def test_dropping_roles_deletes_them_and_their_history(
    make_person, make_organisation, make_initiative
):
    person, initiative = a_person_known_to_the_registry(
        make_person, make_organisation, make_initiative
    )
    call_command(
        "anonymise_person", str(person.pk), "--drop-roles", "--username", "dpo",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert not Involvement.objects.filter(person=person).exists()
    assert not Affiliation.objects.filter(person=person).exists()
    assert not Involvement.history.filter(person_id=person.pk).exists()
    assert not Affiliation.history.filter(person_id=person.pk).exists()
    assert not Proposal.objects.filter(object_id=person.pk).exists()
    assert Erasure.objects.get().roles_kept is False
    assert Initiative.objects.filter(pk=initiative.pk).exists()
    for secret in SECRETS:
        assert columns_holding(secret) == [], secret


@pytest.mark.django_db
def test_a_change_of_public_pages_is_noted(make_person, make_organisation, make_initiative):
    person, _ = a_person_known_to_the_registry(make_person, make_organisation, make_initiative)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(weight), 0) FROM portal_registrychange "
                       "WHERE section = 'pages'")  # fmt: skip
        before = cursor.fetchone()[0]
        call_command("anonymise_person", person.slug, stdout=io.StringIO())
        cursor.execute("SELECT COALESCE(SUM(weight), 0) FROM portal_registrychange "
                       "WHERE section = 'pages'")  # fmt: skip
        assert cursor.fetchone()[0] > before


@pytest.mark.django_db
def test_export_holds_everything_about_the_person(make_person, make_organisation, make_initiative):
    person, _ = a_person_known_to_the_registry(make_person, make_organisation, make_initiative)
    out = io.StringIO()
    call_command("export_person_data", person.slug, "--username", "dpo", stdout=out)
    data = json.loads(out.getvalue())
    assert data["person"]["email"] == EMAIL
    assert [version["email"] for version in data["versions"]] == [EMAIL, EMAIL]
    assert data["affiliations"][0]["job_title"] == "Animatrice"
    assert data["involvements"][0]["role"] == "contact"
    assert data["sources"][0]["url"] == "https://example.org/equipe/zoe"
    assert data["proposals"][0]["data"]["email"] == [EMAIL]
    assert len(data["admin_log"]) == 1
    assert data["erasures"] == []
