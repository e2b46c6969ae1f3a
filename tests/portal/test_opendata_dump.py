import datetime
import json
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection, connections

from actors.models import Affiliation, Funding, Involvement, Organisation, Person
from initiatives.models import (
    Document,
    Event,
    Initiative,
    KeyFigure,
    Keyword,
    Listing,
    Milestone,
    PublicationState,
    SourceCitation,
    Territory,
    Theme,
)
from portal.backups import connect
from portal.models import Alert, SearchWord
from tests.conftest import migrated_copy

DATE = "2024-05-01"
ARCHIVE = f"registre-opendata-{DATE}.zip"
HIDDEN = "zzhidden"  # in a slug or a text of every record that must stay out of the dump


def members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def dump(directory, *options):
    call_command("dump_opendata", "--output", str(directory), "--date", DATE, *options)
    return directory / ARCHIVE


@pytest.fixture
def restore_database():
    """A second database, migrated but empty of registry rows, reachable as an alias: a copy
    of the test database as its migrations left it (tests/conftest.py)."""
    source = connection.settings_dict
    alias, name = "opendata_restore", f"{source['NAME']}_opendata"
    with connect(source, dbname="postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_copy()}"')
    # Registered as a connection but not in DATABASES: Django's test case lets such a
    # dynamically created connection through, and leaves it out of its flush.
    connections[alias] = type(connections["default"])({**source, "NAME": name}, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        ContentType.objects.clear_cache()
        with connect(source, dbname="postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def add_records_beside_the_seed():
    """Drafts, archived and in-review records with children and links, all marked HIDDEN;
    plus public records that test the edges: contact consent, formula-like text."""
    initiative = Initiative.objects.published().order_by("pk").first()
    organisation = Organisation.objects.published().order_by("pk").first()
    person = Person.objects.published().order_by("pk").first()
    event = Event.objects.published().order_by("pk").first()
    territory, theme = (
        Territory.objects.order_by("pk").first(),
        Theme.objects.order_by("pk").first(),
    )
    keyword = Keyword.objects.order_by("pk").first()

    draft = Initiative.objects.create(
        title="Brouillon ZZHIDDEN", slug=f"{HIDDEN}-draft", kind="project", parent=initiative
    )
    draft.themes.add(theme)
    draft.territories.add(territory)
    # Published, but under a draft: hidden like its parent.
    child = Initiative.objects.create(
        title="Action ZZHIDDEN", slug=f"{HIDDEN}-child", kind="project", parent=draft,
        publication_state=PublicationState.PUBLISHED,
    )  # fmt: skip
    for state in (PublicationState.REVIEW, PublicationState.ARCHIVED):
        Initiative.objects.create(
            title=f"ZZHIDDEN {state}", slug=f"{HIDDEN}-{state}", kind="project",
            publication_state=state,
        )  # fmt: skip
    Milestone.objects.create(initiative=draft, date="2016-03", title="Jalon ZZHIDDEN")
    Event.objects.create(initiative=child, title="Atelier ZZHIDDEN", kind="workshop")
    KeyFigure.objects.create(
        initiative=draft, territory=territory, value=3, label="emplois ZZHIDDEN"
    )  # a figure of a hidden initiative, though it has a territory
    Involvement.objects.create(
        initiative=draft, organisation=organisation, role="pilot", note="ZZHIDDEN"
    )
    Funding.objects.create(initiative=draft, beneficiary=organisation, status="funded", note="x")
    SourceCitation.objects.create(subject=child, url="https://example.org/", note="ZZHIDDEN")

    document = Document.objects.create(title="ZZHIDDEN", slug=f"{HIDDEN}-document", kind="study")
    document.keywords.add(keyword)
    initiative.documents.add(document)
    organisation.documents.add(document)
    SourceCitation.objects.create(subject=initiative, document=document, note="ZZHIDDEN")

    archived = Organisation.objects.create(
        name="ZZHIDDEN", slug=f"{HIDDEN}-organisation", kind="association",
        publication_state=PublicationState.ARCHIVED,
    )  # fmt: skip
    archived.organised_events.add(event)
    Involvement.objects.create(
        initiative=initiative, organisation=archived, role="partner", note="ZZHIDDEN"
    )
    Funding.objects.create(initiative=initiative, beneficiary=archived, status="funded")
    Affiliation.objects.create(person=person, organisation=archived, job_title="ZZHIDDEN")
    SourceCitation.objects.create(subject=archived, url="https://example.org/", note="ZZHIDDEN")
    Organisation.objects.create(
        name="Service public", slug="service-public", kind="public_body", parent=archived,
        publication_state=PublicationState.PUBLISHED,
    )  # fmt: skip

    in_review = Person.objects.create(
        first_name="Zoé", last_name="ZZHIDDEN", slug=f"{HIDDEN}-person",
        publication_state=PublicationState.REVIEW,
    )  # fmt: skip
    Involvement.objects.create(initiative=initiative, person=in_review, role="contact", note="?")
    Affiliation.objects.create(person=in_review, organisation=organisation, job_title="ZZHIDDEN")

    Person.objects.create(
        first_name="Sans", last_name="Consentement", slug="sans-consentement",
        email=f"{HIDDEN}@example.org", phone="06 00 00 00 00",
        publication_state=PublicationState.PUBLISHED,
    )  # fmt: skip
    Person.objects.create(
        first_name="Avec", last_name="Consentement", slug="avec-consentement",
        email="contact@example.org", phone="+33 3 20 00 00 00", contact_consent=True,
        consent_recorded_on=datetime.date(2024, 1, 15),
        publication_state=PublicationState.PUBLISHED,
    )  # fmt: skip
    Initiative.objects.create(
        title="=HYPERLINK(\"https://example.org\")", slug="formule", kind="project",
        summary="-1 « guillemets », virgule, retour\nà la ligne",
        publication_state=PublicationState.PUBLISHED,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_dump_restore_dump_gives_identical_files(tmp_path, restore_database):
    call_command("load_demo", verbosity=0)
    add_records_beside_the_seed()

    first = dump(tmp_path / "a")
    assert dump(tmp_path / "again").read_bytes() == first.read_bytes()
    call_command("load_opendata", str(first), database=restore_database, verbosity=0)
    second = dump(tmp_path / "b", "--database", restore_database)

    files, restored = members(first), members(second)
    assert list(restored) == list(files)
    assert {"README.txt", "registre.json", "initiatives.csv", "initiative_themes.csv"} <= set(files)
    for name, content in files.items():
        assert restored[name] == content, name
    # The database computed the same trees from the restored parents.
    for model in (Initiative, Territory, Theme):
        restored_lineages = dict(model.objects.using(restore_database).values_list("pk", "lineage"))
        lineages = model.objects.filter(pk__in=list(restored_lineages)).values_list("pk", "lineage")
        assert restored_lineages == dict(lineages)
    assert (
        not Initiative.objects.using(restore_database)
        .exclude(publication_state=PublicationState.PUBLISHED)
        .exists()
    )
    # The derived tables are built: the public listing and the search vocabulary.
    restored_listing = Listing.objects.using(restore_database)
    assert set(restored_listing.values_list("pk", flat=True)) == set(
        Initiative.objects.using(restore_database).values_list("pk", flat=True)
    )
    assert SearchWord.objects.using(restore_database).filter(word="economie").exists()
    # The sequences follow the loaded ids.
    loaded = max(row["id"] for row in json.loads(files["registre.json"])["tables"]["keywords"])
    keyword = Keyword.objects.using(restore_database).create(label="Nouveau", slug="nouveau")
    assert keyword.pk > loaded


@pytest.mark.django_db(transaction=True)
def test_dump_holds_only_public_records_and_consented_contacts(tmp_path):
    call_command("load_demo", verbosity=0)
    add_records_beside_the_seed()
    Alert.objects.create(email="abonne.alerte@example.org", query="thematique=energie")

    files = members(dump(tmp_path))

    for name, content in files.items():
        text = content.decode("utf-8-sig")
        assert HIDDEN not in text.lower(), name
        assert "laurent.bernier@" not in text, name  # a seed person without consent
        assert "abonne.alerte@" not in text, name  # followers' addresses are never published
    document = json.loads(files["registre.json"])
    assert document["generated"] == DATE
    tables = document["tables"]
    assert len(tables["initiatives"]) == Initiative.objects.published().count() >= 18
    assert len(tables["involvements"]) == Involvement.objects.published().count() > 40
    people = {row["slug"]: row for row in tables["people"]}
    assert people["avec-consentement"]["email"] == "contact@example.org"
    assert people["avec-consentement"]["consent_recorded_on"] == "2024-01-15"
    assert (people["sans-consentement"]["email"], people["sans-consentement"]["phone"]) == ("", "")
    units = {row["slug"]: row for row in tables["organisations"]}
    assert units["service-public"]["parent"] is None  # its parent is archived
    assert [row for row in tables["key_figures"] if row["initiative"] is None]  # territory-only
    assert files["initiative_themes.csv"].startswith(b"\xef\xbb\xbfinitiative,theme\r\n")
    formula = next(row for row in tables["initiatives"] if row["slug"] == "formule")
    assert formula["title"] == '=HYPERLINK("https://example.org")'
    assert ',"\'=HYPERLINK(""https://example.org"")",' in files["initiatives.csv"].decode()


@pytest.mark.django_db
def test_load_refuses_a_database_with_registry_rows(tmp_path, make_initiative):
    make_initiative()
    archive = dump(tmp_path)
    with pytest.raises(CommandError, match="contient déjà des données du registre"):
        call_command("load_opendata", str(archive), verbosity=0)
    assert Initiative.objects.count() == 1


@pytest.mark.django_db
def test_load_refuses_a_dangling_reference_and_writes_nothing(tmp_path, make_initiative):
    make_initiative(slug="connue")
    document = json.loads(members(dump(tmp_path))["registre.json"])
    Initiative.objects.all().delete()
    document["tables"]["milestones"] = [
        {"id": 1, "initiative": "inconnue", "date": "2016", "title": "Jalon", "text": ""}
    ]
    archive = tmp_path / "modifiee.zip"
    with zipfile.ZipFile(archive, "w") as output:
        output.writestr("registre.json", json.dumps(document))

    with pytest.raises(CommandError, match="milestones, ligne 1 : « inconnue » n'existe pas"):
        call_command("load_opendata", str(archive), verbosity=0)
    assert not Initiative.objects.exists()


@pytest.mark.django_db
def test_load_refuses_a_missing_or_unreadable_archive(tmp_path):
    with pytest.raises(CommandError, match="Archive introuvable"):
        call_command("load_opendata", str(tmp_path / "absent.zip"), verbosity=0)
    not_a_zip = tmp_path / "faux.zip"
    not_a_zip.write_text("pas une archive")
    with pytest.raises(CommandError, match="Archive illisible"):
        call_command("load_opendata", str(not_a_zip), verbosity=0)


@pytest.mark.django_db
def test_dump_rejects_a_bad_date(tmp_path):
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("dump_opendata", "--output", str(tmp_path), "--date", "01/05/2024")
