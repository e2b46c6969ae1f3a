"""Staff search forgives accents and case, in every changelist and autocomplete; suggestions
say what each record is, exact and prefix matches first."""

import pytest
from django.contrib import admin
from django.urls import reverse

from actors.models import Involvement, Organisation
from initiatives.admin_search import ForgivingSearchMixin
from initiatives.models import Document, Event, Initiative, Territory

pytestmark = pytest.mark.usefixtures("demo_data")


def changelist(client, model, term):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def suggestions(client, term, model_name="initiative", field_name="parent"):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": term,
            "app_label": "initiatives",
            "model_name": model_name,
            "field_name": field_name,
        },
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_every_registered_admin_searches_without_accents():
    plain = [
        type(model_admin).__name__
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ("initiatives", "actors")
        and not isinstance(model_admin, ForgivingSearchMixin)
    ]
    assert plain == []


def test_territories_are_found_by_their_kind_without_accent(admin_client):
    found = changelist(admin_client, Territory, "region")
    assert {territory.name for territory in found} >= {"Hauts-de-France", "Picardie"}


@pytest.mark.parametrize("term", ["economie", "économie", "ÉCONOMIE", "Economie"])
def test_documents_are_found_with_or_without_accents(admin_client, term):
    found = changelist(admin_client, Document, term)
    assert any("Économie" in document.title for document in found)
    assert len(found) == len(changelist(admin_client, Document, "économie"))


def test_events_are_found_without_accents(admin_client):
    found = changelist(admin_client, Event, "reunion")
    assert len(found) >= 2
    assert all("union" in event.title for event in found)


def test_initiatives_are_found_by_body_actor_and_territory(admin_client):
    tesr = Initiative.objects.get(acronym="TESR")
    assert tesr in changelist(admin_client, Initiative, "cristallisent")  # a word of the body
    actor = Involvement.objects.filter(organisation__isnull=False).select_related(
        "organisation", "initiative"
    )[0]
    assert actor.initiative in changelist(admin_client, Initiative, actor.organisation.name)
    person = Involvement.objects.filter(person__isnull=False).select_related(
        "person", "initiative"
    )[0]
    by_name = changelist(
        admin_client, Initiative, f"{person.person.first_name} {person.person.last_name}"
    )
    assert person.initiative in by_name
    lens = Territory.objects.get(name="Lens")
    filed = Initiative.objects.filter(territories=lens).first()
    assert filed is not None and filed in changelist(admin_client, Initiative, "LENS")


def test_a_search_matching_through_several_actors_lists_each_initiative_once(admin_client):
    found = changelist(admin_client, Initiative, "conseil regional")
    assert found and len(found) == len(set(found))


def test_every_term_must_match(admin_client):
    assert changelist(admin_client, Initiative, "transformation zzzzzz") == []


def test_organisations_are_found_by_siren_typed_in_groups(admin_client):
    organisation = Organisation.objects.first()
    Organisation.objects.filter(pk=organisation.pk).update(siren="732829320")
    assert changelist(admin_client, Organisation, "732 829 320") == [organisation]


def test_suggestions_put_the_programme_before_its_operations(admin_client):
    texts = suggestions(admin_client, "TESR")
    assert texts[0] == "Transformation écologique et sociale de la Région (TESR) — programme"
    operations = [text for text in texts if text.endswith("opération de développement, TESR")]
    assert len(operations) >= 8  # all listed after the programme


def test_suggestions_say_the_kind_and_parent_exact_match_first(admin_client):
    texts = suggestions(admin_client, "pas-de-calais", field_name="territories")
    # The demo data files the department under the former region, itself under the region.
    assert texts[0] == "Pas-de-Calais — département, Nord-Pas-de-Calais"
    assert "Nord-Pas-de-Calais — ancienne région, Hauts-de-France" in texts[1:]


def test_suggestions_forgive_accents_and_rank_prefixes_first(admin_client):
    texts = suggestions(admin_client, "metropole", field_name="territories")
    assert texts[0].startswith("Métropole Lille-Roubaix-Tourcoing — aire métropolitaine")


def test_organisation_suggestions_say_kind_and_territory(admin_client):
    organisation = Organisation.objects.filter(territory__isnull=False, parent__isnull=True)[0]
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": organisation.name,
            "app_label": "actors",
            "model_name": "involvement",
            "field_name": "organisation",
        },
    )
    texts = [result["text"] for result in response.json()["results"]]
    assert texts[0] == (
        f"{organisation} — {organisation.get_kind_display().lower()}, {organisation.territory}"
    )


@pytest.mark.parametrize(
    "model_name, field_name, term",
    [
        ("initiative", "parent", "e"),
        ("initiative", "territories", "a"),
        ("event", "initiative", "re"),
        ("initiative", "documents", "e"),
    ],
)
def test_suggestion_queries_are_bounded(
    admin_client, django_assert_max_num_queries, model_name, field_name, term
):
    with django_assert_max_num_queries(5):
        suggestions(admin_client, term, model_name, field_name)


def test_changelist_search_queries_are_bounded(admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        changelist(admin_client, Initiative, "conseil regional lille")
