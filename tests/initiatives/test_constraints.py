"""Every invariant is enforced by PostgreSQL itself, whatever writes the row."""

import pytest
from django.db import IntegrityError, transaction

from actors.models import Affiliation, Funding, Involvement, Organisation, Person
from initiatives.models import Event, Initiative, KeyFigure, SourceCitation, Territory, Theme

pytestmark = pytest.mark.django_db


def rejected(action):
    with pytest.raises(IntegrityError), transaction.atomic():
        action()
    return True


def test_rejects_a_duplicate_slug(make_initiative):
    make_initiative(slug="tesr")
    assert rejected(lambda: make_initiative(slug="tesr"))


def test_rejects_an_initiative_ending_before_it_starts(make_initiative):
    assert rejected(lambda: make_initiative(start="2017", end="2015"))


def test_accepts_an_end_year_that_contains_the_start_month(make_initiative):
    initiative = make_initiative(start="2016-05", end="2016")
    assert initiative.pk


def test_rejects_an_end_month_before_the_start_day(make_initiative):
    assert rejected(lambda: make_initiative(start="2016-05-12", end="2016-04"))


def test_rejects_an_open_start_with_bad_order_nowhere(make_initiative):
    assert make_initiative(start=None, end="2016").pk
    assert make_initiative(start="2016", end=None).pk


def test_rejects_an_initiative_as_its_own_parent(make_initiative):
    initiative = make_initiative()
    initiative.parent = initiative
    assert rejected(initiative.save)


def test_rejects_an_initiative_under_its_own_descendant(make_initiative):
    programme = make_initiative()
    operation = make_initiative(parent=programme)
    step = make_initiative(parent=operation)
    programme.parent = step
    assert rejected(programme.save)


def test_rejects_a_territory_cycle_even_from_a_raw_update(make_territory):
    region = make_territory(kind=Territory.Kind.REGION)
    department = make_territory(kind=Territory.Kind.DEPARTMENT, parent=region)
    assert rejected(lambda: Territory.objects.filter(pk=region.pk).update(parent=department))


def test_moving_a_subtree_rebuilds_every_lineage(make_territory):
    old_region = make_territory(kind=Territory.Kind.FORMER_REGION)
    new_region = make_territory(kind=Territory.Kind.REGION)
    department = make_territory(kind=Territory.Kind.DEPARTMENT, parent=old_region)
    commune = make_territory(parent=department)
    old_region.parent = new_region
    old_region.save()
    commune.refresh_from_db()
    assert commune.lineage == [new_region.pk, old_region.pk, department.pk, commune.pk]
    assert set(Territory.objects.under(new_region)) == {new_region, old_region, department, commune}


def test_ancestors_come_from_the_root_down_in_one_query(make_territory, django_assert_num_queries):
    region = make_territory(kind=Territory.Kind.REGION)
    department = make_territory(kind=Territory.Kind.DEPARTMENT, parent=region)
    commune = make_territory(parent=department)
    with django_assert_num_queries(1):
        assert commune.ancestors() == [region, department]


def test_rejects_a_theme_cycle():
    parent = Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")
    child = Theme.objects.create(name="Déchets", slug="dechets", parent=parent)
    parent.parent = child
    assert rejected(parent.save)


def test_rejects_a_territory_validity_ending_before_it_starts(make_territory):
    assert rejected(lambda: make_territory(valid_from="2016", valid_until="2015-12-31"))


def test_rejects_impossible_coordinates(make_territory):
    assert rejected(lambda: make_territory(latitude=95, longitude=2))


def test_an_involvement_names_exactly_one_actor(make_initiative, make_organisation, make_person):
    initiative = make_initiative()
    organisation, person = make_organisation(), make_person()
    role = Involvement.Role.PARTNER
    assert rejected(lambda: Involvement.objects.create(initiative=initiative, role=role))
    assert rejected(
        lambda: Involvement.objects.create(
            initiative=initiative, role=role, organisation=organisation, person=person
        )
    )
    assert Involvement.objects.create(initiative=initiative, role=role, person=person).pk


def test_rejects_an_involvement_ending_before_it_starts(make_initiative, make_organisation):
    assert rejected(
        lambda: Involvement.objects.create(
            initiative=make_initiative(),
            organisation=make_organisation(),
            role=Involvement.Role.FUNDER,
            start="2017",
            end="2015",
        )
    )


def test_rejects_a_negative_amount(make_initiative, make_organisation):
    assert rejected(
        lambda: Involvement.objects.create(
            initiative=make_initiative(),
            organisation=make_organisation(),
            role=Involvement.Role.FUNDER,
            amount=-10,
        )
    )


def test_rejects_an_affiliation_ending_before_it_starts(make_person, make_organisation):
    assert rejected(
        lambda: Affiliation.objects.create(
            person=make_person(),
            organisation=make_organisation(),
            job_title="Chef de service",
            start="2010",
            end="2002",
        )
    )


def test_rejects_an_event_ending_before_it_starts(make_initiative):
    assert rejected(
        lambda: Event.objects.create(
            initiative=make_initiative(),
            title="Formation",
            kind=Event.Kind.TRAINING,
            start="2016-05-19",
            end="2016-03-21",
        )
    )


def test_a_key_figure_is_about_something(make_initiative):
    assert rejected(lambda: KeyFigure.objects.create(value=37000, label="entreprises"))
    assert rejected(
        lambda: KeyFigure.objects.create(
            initiative=make_initiative(),
            value=-15,
            label="emplois",
            period_start="1990",
            date="1962",
        )
    )


def test_a_source_is_a_document_or_an_address(make_initiative):
    initiative = make_initiative()
    assert rejected(lambda: SourceCitation.objects.create(subject=initiative))
    assert SourceCitation.objects.create(subject=initiative, url="https://example.org/").pk


def test_contact_consent_must_be_dated(make_person):
    assert rejected(lambda: make_person(contact_consent=True))


def test_a_dissolution_date_means_defunct(make_organisation):
    assert rejected(lambda: make_organisation(dissolved_on="2015-12"))
    assert make_organisation(dissolved_on="2015-12", is_defunct=True).pk


def test_an_organisation_cannot_belong_to_itself(make_organisation):
    organisation = make_organisation()
    organisation.parent = organisation
    assert rejected(organisation.save)


def test_a_beneficiary_is_funded_once_per_initiative(make_initiative, make_organisation):
    initiative, company = make_initiative(), make_organisation(kind=Organisation.Kind.COMPANY)
    Funding.objects.create(initiative=initiative, beneficiary=company, status="funded")
    assert rejected(
        lambda: Funding.objects.create(initiative=initiative, beneficiary=company, status="funded")
    )


def test_admin_form_validation_reports_a_cycle_before_the_database(make_initiative):
    programme = make_initiative()
    operation = make_initiative(parent=programme)
    programme.parent = operation
    with pytest.raises(Exception, match="lui-même"):
        programme.full_clean()
    assert Initiative.objects.get(pk=programme.pk).parent is None
    assert Person.objects.count() == 0
