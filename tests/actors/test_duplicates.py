"""Official identifiers, likely duplicate organisations, and their merge."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from actors import listing
from actors.duplicates import merge_organisations
from actors.models import Affiliation, Funding, Involvement, Organisation, OrganisationRedirect
from initiatives.models import Event, PublicationState, SourceCitation

pytestmark = pytest.mark.django_db

VALID_SIREN = "732829320"
VALID_SIRET = "73282932000074"


def errors_of(organisation):
    try:
        organisation.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


@pytest.mark.parametrize("value", [VALID_SIREN, "732 829 320", VALID_SIRET, "732 829 320 00074"])
def test_accepts_a_siren_or_siret_with_a_right_checksum(make_organisation, value):
    organisation = make_organisation(siren=value)
    assert "siren" not in errors_of(organisation)
    organisation.save()
    organisation.refresh_from_db()
    assert organisation.siren in (VALID_SIREN, VALID_SIRET)


@pytest.mark.parametrize(
    "value, message",
    [
        ("732829321", "clé de contrôle"),
        ("73282932000075", "clé de contrôle"),
        ("12345", "9 chiffres"),
        ("ABCDEFGHI", "9 chiffres"),
    ],
)
def test_refuses_a_bad_siren_or_siret_in_french_on_the_field(value, message):
    organisation = Organisation(name="X", slug="x", kind=Organisation.Kind.COMPANY, siren=value)
    assert message in " ".join(errors_of(organisation)["siren"])


@pytest.mark.parametrize(
    "value, valid",
    [
        ("W595012345", True),
        ("w595 012 345", True),
        ("W59501234", False),
        ("595012345", False),
        ("X595012345", False),
    ],
)
def test_rna_is_w_and_nine_digits(value, valid):
    errors = errors_of(
        Organisation(name="X", slug="x", kind=Organisation.Kind.ASSOCIATION, rna=value)
    )
    if valid:
        assert "rna" not in errors
    else:
        assert "W suivi de 9 chiffres" in " ".join(errors["rna"])


def test_a_siren_belongs_to_one_organisation_only(make_organisation):
    make_organisation(siren=VALID_SIREN)
    errors = errors_of(
        Organisation(name="Y", slug="y", kind=Organisation.Kind.COMPANY, siren=VALID_SIREN)
    )
    assert errors["siren"] == ["Une autre organisation porte déjà ce SIREN ou SIRET."]
    # Blank identifiers are shared by any number of organisations.
    make_organisation()
    make_organisation()


def test_likely_duplicates_by_siren_a_siret_counting_by_its_siren(make_organisation):
    company = make_organisation("Entreprise Alpha", siren=VALID_SIRET)
    make_organisation("Entreprise Beta")
    found = list(
        Organisation.objects.likely_duplicates_of(name="Tout autre nom", siren="732 829 320")
    )
    assert found == [company] and found[0].same_siren


def test_likely_duplicates_by_similar_unaccented_name_in_the_same_territory(
    make_organisation, make_territory
):
    lille, lens = make_territory("Lille"), make_territory("Lens")
    cerdd = make_organisation("Centre ressource du développement durable", territory=lille)
    make_organisation("Centre ressource du developpement durable", territory=lens)
    make_organisation("Chambre d'agriculture", territory=lille)
    found = list(
        Organisation.objects.likely_duplicates_of(
            name="CENTRE RESSOURCE DU DEVELOPPEMENT DURABLE", territory=lille
        )
    )
    assert found == [cerdd] and found[0].similar_name


def test_likely_duplicates_by_web_domain(make_organisation):
    cerdd = make_organisation("CERDD", website="https://www.cerdd.org/Parcours-thematiques")
    make_organisation("Autre", website="https://cerdd.org.example.net/")
    make_organisation("Réseau social", website="https://www.facebook.com/cerdd")
    found = list(Organisation.objects.likely_duplicates_of(name="Zzz", website="http://cerdd.org"))
    assert found == [cerdd] and found[0].same_domain
    assert not Organisation.objects.likely_duplicates_of(website="https://facebook.com/autre")


def test_nothing_to_compare_finds_nothing(make_organisation):
    make_organisation()
    assert not Organisation.objects.likely_duplicates_of()


@pytest.fixture
def two_organisations(make_organisation, make_initiative, make_person, make_territory):
    territory = make_territory("Arras")
    kept = make_organisation("CERDD", territory=territory)
    duplicate = make_organisation("C.E.R.D.D.", siren=VALID_SIREN, website="https://cerdd.org")
    unit = make_organisation("Antenne", parent=duplicate)
    shared, own = make_initiative("Partagée"), make_initiative("Propre au doublon")
    Involvement.objects.create(initiative=shared, organisation=kept, role="partner")
    Involvement.objects.create(initiative=shared, organisation=duplicate, role="partner", note="n")
    Involvement.objects.create(initiative=own, organisation=duplicate, role="pilot")
    Funding.objects.create(initiative=shared, beneficiary=kept, status="funded")
    Funding.objects.create(initiative=shared, beneficiary=duplicate, status="funded", amount=10)
    Funding.objects.create(initiative=own, beneficiary=duplicate, status="announced")
    person = make_person("Durand")
    Affiliation.objects.create(person=person, organisation=duplicate, job_title="Directrice")
    event = Event.objects.create(initiative=own, title="Assises", kind="conference")
    duplicate.organised_events.add(event)
    SourceCitation.objects.create(
        content_type=ContentType.objects.get_for_model(Organisation),
        object_id=duplicate.pk,
        url="https://example.org/source",
    )
    return kept, duplicate, unit, shared, own, person, event


def test_merge_moves_everything_and_folds_what_would_repeat(two_organisations):
    kept, duplicate, unit, shared, own, person, event = two_organisations
    merge_organisations(kept, [duplicate])

    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    assert Involvement.objects.filter(organisation=kept, initiative=shared).count() == 1
    assert Involvement.objects.get(organisation=kept, initiative=shared).note == "n"
    assert Involvement.objects.filter(organisation=kept, initiative=own, role="pilot").exists()
    assert Funding.objects.get(beneficiary=kept, initiative=shared).amount == 10
    assert Funding.objects.filter(beneficiary=kept, initiative=own).exists()
    assert Affiliation.objects.get(person=person).organisation == kept
    assert list(kept.organised_events.all()) == [event]
    unit.refresh_from_db()
    assert unit.parent == kept
    assert SourceCitation.objects.get(url="https://example.org/source").object_id == kept.pk
    kept.refresh_from_db()
    assert (kept.siren, kept.website) == (VALID_SIREN, "https://cerdd.org")
    assert OrganisationRedirect.objects.get(old_slug=duplicate.slug).organisation == kept
    assert listing.is_consistent()


def test_merge_keeps_the_history_with_its_reason(two_organisations):
    kept, duplicate, *_ = two_organisations
    merge_organisations(kept, [duplicate])
    last = Organisation.history.filter(id=duplicate.pk).first()
    assert last.history_type == "-"
    assert "Fusionnée dans « CERDD »" in last.history_change_reason
    moved = Involvement.history.filter(organisation_id=kept.pk).first()
    assert "Fusion de « C.E.R.D.D. »" in moved.history_change_reason
    assert "Fusion de" in kept.history.first().history_change_reason


def test_the_old_address_answers_301_to_the_kept_organisation(client, two_organisations):
    kept, duplicate, *_ = two_organisations
    old = reverse("actors:organisation", args=[duplicate.slug])
    merge_organisations(kept, [duplicate])
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == kept.get_absolute_url()
    assert client.get(reverse("actors:organisation", args=["jamais-vue"])).status_code == 404


def test_a_second_merge_keeps_the_first_redirect(make_organisation, client):
    first, second, third = (make_organisation(name) for name in ("Un", "Deux", "Trois"))
    merge_organisations(second, [first])
    merge_organisations(third, [second])
    response = client.get(reverse("actors:organisation", args=[first.slug]))
    assert response["Location"] == third.get_absolute_url()


def merge_url():
    return reverse("admin:actors_organisation_changelist")


def test_a_reviewer_merges_from_the_changelist(client, reviewer, make_organisation):
    kept, duplicate = make_organisation("Gardée"), make_organisation("Doublon")
    client.force_login(reviewer)
    chosen = {"action": "merge", "_selected_action": [kept.pk, duplicate.pk]}
    page = client.post(merge_url(), chosen)
    assert page.status_code == 200 and "Organisation conservée" in page.content.decode()
    response = client.post(merge_url(), {**chosen, "kept": kept.pk})
    assert response.status_code == 302
    assert list(Organisation.objects.filter(pk__in=[kept.pk, duplicate.pk])) == [kept]


def test_a_writer_cannot_merge(client, writer, make_organisation):
    kept = make_organisation("Gardée", state=PublicationState.DRAFT)
    duplicate = make_organisation("Doublon", state=PublicationState.DRAFT)
    client.force_login(writer)
    changelist = client.get(merge_url())
    assert 'value="merge"' not in changelist.content.decode()
    client.post(
        merge_url(),
        {"action": "merge", "_selected_action": [kept.pk, duplicate.pk], "kept": kept.pk},
    )
    assert Organisation.objects.filter(pk__in=[kept.pk, duplicate.pk]).count() == 2


def test_creation_stops_at_a_likely_duplicate_until_confirmed(admin_client, make_organisation):
    existing = make_organisation("Réseau Alliances", website="https://www.reseau-alliances.org")
    url = reverse("admin:actors_organisation_add")
    data = {
        "name": "Reseau alliances",
        "slug": "reseau-alliances-2",
        "kind": "network",
        "website": "https://reseau-alliances.org/contact",
        "publication_state": "draft",
        "verification_interval": 12,
        "initiatives-sourcecitation-content_type-object_id-TOTAL_FORMS": 0,
        "initiatives-sourcecitation-content_type-object_id-INITIAL_FORMS": 0,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "existe peut-être déjà" in page and str(existing) in page and "même site web" in page
    assert Organisation.objects.count() == 1
    response = admin_client.post(url, {**data, "save_anyway": "on"})
    assert response.status_code == 302
    assert Organisation.objects.count() == 2
