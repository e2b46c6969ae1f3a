"""The data checks (`manage.py check_data` and the admin page) on a crafted registry: each kind
of inconsistency is found, and the fixed record is not. The demo data: tests/test_fixtures.py."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from actors.models import Funding, Involvement
from initiatives.models import Document, Event, Initiative, KeyFigure
from portal import data_checks

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


def messages(check, today=TODAY):
    return [(finding.label, finding.message) for finding in check(today)]


def test_finished_without_end_is_found_unless_the_sources_do_not_say(make_initiative):
    make_initiative("Conférence", status="done", start="1996")
    make_initiative("Étude close", status="done", start="2009", end="2010")
    make_initiative("Étude sans fin connue", status="done", start="2009", end_unknown=True)
    make_initiative("Démarche en cours", status="ongoing", start="2010")
    found = messages(data_checks.finished_without_end)
    assert [label for label, _ in found] == ["Conférence"]
    assert "sans date de fin" in found[0][1]


def test_finished_summarised_as_still_going_is_found(make_initiative):
    make_initiative("Atelier", status="done", start="1996", end="1998", summary="Depuis 1996…")
    assert "« depuis 1996 »" in messages(data_checks.finished_without_end)[0][1]


def test_finished_without_end_no_longer_reads_since():
    assert Initiative(status="done", start="1996").period == "1996 – fin non connue"
    assert Initiative(status="ongoing", start="2010").period == "depuis 2010"


def test_past_and_undated_planned_events_are_found(make_initiative):
    initiative = make_initiative()
    for title, start, status in (
        ("Assises passées", "2014-10", "planned"),
        ("Assises sans date", None, "planned"),
        ("Assises à venir", "2027-10", "planned"),
        ("Assises de ce mois", "2026-12", "planned"),
        ("Assises tenues", "2014-10", "held"),
        ("Assises annoncées", None, "unconfirmed"),
    ):
        Event.objects.create(
            initiative=initiative, title=title, kind="conference", start=start, status=status
        )
    found = messages(data_checks.past_events_still_planned)
    assert [label for label, _ in found] == ["Assises passées", "Assises sans date"]
    assert "tenu ou annulé" in found[0][1] and "Non confirmé" in found[1][1]


def test_french_counts_are_read_near_the_kind_noun():
    label = "Opération de développement"
    text = "La TESR s'appuie sur neuf opérations de développement et 9 chefs de projets."
    assert data_checks.stated_counts(text, label) == [(9, "neuf opérations")]
    assert data_checks.stated_counts("9 « opérations de développement »", label)[0][0] == 9
    assert data_checks.stated_counts("une opération, dix-neuf opérations", label) == [
        (19, "dix-neuf opérations")
    ]
    assert data_checks.stated_counts("5 ateliers thématiques", "Conférence, atelier")[0][0] == 5


def test_a_text_announcing_fewer_children_than_listed_is_found(make_initiative):
    programme = make_initiative("TESR", kind="programme", body="Neuf opérations de développement.")
    for number in range(10):
        make_initiative(f"Opération {number}", kind="operation", parent=programme)
    make_initiative("Brouillon", kind="operation", parent=programme, state="draft")
    found = messages(data_checks.stated_count_differs)
    assert found == [
        (
            "TESR",
            "Le texte dit « Neuf opérations » mais la page en liste 10 "
            "(type « Opération de développement »).",
        )
    ]
    programme.body = "Dix opérations de développement."
    programme.save()
    KeyFigure.objects.create(initiative=programme, value=9, unit="opérations", label="de dév.")
    assert messages(data_checks.stated_count_differs)[0][1].startswith(
        "Le texte dit « 9 opérations"
    )


def test_a_text_counting_more_than_recorded_is_not_a_contradiction(make_initiative):
    conference = make_initiative("Conférence", body="Le fruit de 5 ateliers thématiques.")
    make_initiative("Atelier", kind="conference", parent=conference)
    assert messages(data_checks.stated_count_differs) == []


def test_documents_that_cannot_be_found_are_found():
    for slug, fields in (
        ("rien", {}),
        ("lien", {"url": "https://example.org/livre-blanc.pdf"}),
        ("notice", {"bibliographic_note": "Livre Blanc, Conseil régional, 1998/02."}),
    ):
        Document.objects.create(title=slug, slug=slug, kind="report", **fields)
    assert [label for label, _ in messages(data_checks.documents_without_reference)] == ["rien"]


def test_organisations_named_without_a_role_are_found(make_initiative, make_organisation):
    club = make_initiative("Club Noé", body="Projets financés : Flexink, Gesnord. Avec le CJD.")
    flexink = make_organisation("Flexink")
    make_organisation("Gesnord")
    make_organisation("Centre des Jeunes Dirigeants", acronym="CJD")
    make_organisation("Dumont")  # not named
    Funding.objects.create(initiative=club, beneficiary=flexink, status="funded")
    found = messages(data_checks.organisations_named_without_role)
    assert [message.split("»")[0] for _, message in found] == [
        "Le texte nomme « Gesnord ",
        "Le texte nomme « Centre des Jeunes Dirigeants ",
    ]


def test_a_role_in_a_sub_initiative_covers_the_programme_text(make_initiative, make_organisation):
    programme = make_initiative("EFC", body="Atemis livre une étude.")
    study = make_initiative("Étude", parent=programme)
    atemis = make_organisation("Atemis")
    Involvement.objects.create(initiative=study, organisation=atemis, role="expert")
    assert messages(data_checks.organisations_named_without_role) == []


def test_territories_with_events_but_not_their_initiative_are_found(
    make_initiative, make_territory
):
    region = make_territory("Picardie", kind="region")
    amiens = make_territory("Amiens", parent=region)
    network = make_initiative("Réseau picard")
    network.territories.add(region)
    for day in ("2016-03-21", "2016-05-19"):
        Event.objects.create(
            initiative=network, title="Formation", kind="training", start=day, territory=amiens
        )
    found = messages(data_checks.territories_with_events_but_no_initiative)
    assert found == [
        (
            "Amiens",
            "2 événements de « Réseau picard » y ont eu lieu, mais la page du territoire ne "
            "montre pas cette initiative\u202f: ajoutez le territoire à l'initiative.",
        )
    ]
    network.territories.add(amiens)
    assert messages(data_checks.territories_with_events_but_no_initiative) == []


@pytest.fixture
def one_of_each(make_initiative, make_organisation, make_territory):
    """A registry with one inconsistency of each kind."""
    town = make_territory("Amiens")
    programme = make_initiative(
        "TESR", kind="programme", status="done", start="2010", body="Deux opérations. Flexink."
    )
    for number in range(3):
        make_initiative(f"Opération {number}", kind="operation", parent=programme)
    make_organisation("Flexink")
    Event.objects.create(
        initiative=programme, title="4es assises", kind="conference", start="2014-10",
        territory=town,
    )  # fmt: skip
    Document.objects.create(title="Bilan mi-mandat", slug="bilan", kind="report")
    return programme


def test_check_data_reports_each_kind_in_french_and_fails(one_of_each, capsys):
    with pytest.raises(CommandError, match="6 incohérences à corriger") as raised:
        call_command("check_data")
    assert raised.value.returncode == 1
    report = capsys.readouterr().out
    for check in data_checks.CHECKS:
        assert f"{check.title} (1)" in report
    assert reverse("admin:initiatives_initiative_change", args=[one_of_each.pk]) in report


def test_check_data_is_silent_and_succeeds_on_a_consistent_registry(make_initiative, capsys):
    make_initiative("Démarche", status="ongoing", start="2010")
    call_command("check_data")
    assert "aucune incohérence" in capsys.readouterr().out


def test_admin_page_lists_each_finding_with_a_link_to_its_record(one_of_each, client, writer):
    client.force_login(writer)
    response = client.get(reverse("admin:data_checks"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "6 incohérences à corriger" in page
    for check in data_checks.CHECKS:
        assert f"{check.title} (1)" in page
    assert reverse("admin:initiatives_initiative_change", args=[one_of_each.pk]) in page
    assert 'href="/territoires/' in page  # the public page of the territory too


def test_admin_home_links_to_the_data_checks(client, writer):
    client.force_login(writer)
    assert reverse("admin:data_checks") in client.get(reverse("admin:index")).content.decode()


def test_admin_page_is_for_staff_only(client, django_user_model):
    url = reverse("admin:data_checks")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(django_user_model.objects.create_user("visiteur", password="x" * 20))
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
