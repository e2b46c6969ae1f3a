"""Every database constraint speaks French next to the field it concerns, and writes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from actors.models import Affiliation, Funding, Involvement, Organisation, Person
from initiatives.models import (
    Event,
    Initiative,
    KeyFigure,
    Keyword,
    KeywordLabel,
    SourceCitation,
    Territory,
    Theme,
)
from initiatives.models.fields import ERROR_FIELDS
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def add_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def constraint(model, name):
    return next(c for c in model._meta.constraints if c.name == name)


def message(model, name):
    return constraint(model, name).violation_error_message


def assert_on_field(form, field, expected):
    assert form.errors.get(field) == [expected], form.errors
    assert not form.non_field_errors()


def post_form(client, url, **changes):
    response = client.post(url, change_form_data(client.get(url), **changes))
    assert response.status_code == 200, "the form should have been refused"
    return response


def post_row(client, url, model, **fields):
    """Add one row of `model` to an inline of the form at `url`; the refused row's form."""
    page = client.get(url)
    formset = next(
        inline.formset
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is model
    )
    index = formset.total_form_count()
    data = change_form_data(page)
    data[f"{formset.prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update({f"{formset.prefix}-{index}-{name}": value for name, value in fields.items()})
    response = client.post(url, data)
    assert response.status_code == 200, "the form should have been refused"
    refused = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    )
    return refused.forms[index]


# Constraints no form field concerns: a proposal is stored by initiatives.proposals, which
# updates the author's open proposal rather than adding one (its message is the last guard).
WITHOUT_FIELD = {"initiatives_proposal_one_open_per_author"}


def test_every_constraint_has_a_french_message_and_a_field():
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.app_label not in {"initiatives", "actors"}:
            continue
        for check in model._meta.constraints:
            text = str(check.violation_error_message or "")
            assert text and "contrainte" not in text and check.name not in text, check.name
            if check.name in WITHOUT_FIELD:
                continue
            field = ERROR_FIELDS.get(check.name)
            assert field in {f.name for f in model._meta.get_fields()}, check.name


def test_initiative_end_before_start_is_shown_on_end(admin_client, make_initiative):
    initiative = make_initiative(start="2016")
    response = post_form(admin_client, change_url(initiative), end="2015")
    assert_on_field(
        response.context["adminform"].form,
        "end",
        message(Initiative, "initiatives_initiative_end_after_start"),
    )
    assert "initiatives_initiative_end_after_start" not in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.end is None


def test_event_end_before_start_is_shown_on_its_row(admin_client, make_initiative):
    initiative = make_initiative()
    form = post_row(
        admin_client,
        change_url(initiative),
        Event,
        title="Atelier",
        kind="workshop",
        status="planned",
        start="12/03/2017",
        end="2016",
    )
    assert_on_field(form, "end", message(Event, "initiatives_event_end_after_start"))
    assert not Event.objects.exists()


def test_figure_dated_before_its_period_is_shown_on_date(admin_client, make_initiative):
    initiative = make_initiative()
    form = post_row(
        admin_client,
        change_url(initiative),
        KeyFigure,
        value="12",
        label="emplois",
        period_start="2010",
        date="2005",
    )
    assert_on_field(form, "date", message(KeyFigure, "initiatives_keyfigure_period_order"))
    assert not KeyFigure.objects.exists()


def test_figure_about_nothing_is_shown_on_territory(admin_client):
    url = add_url(KeyFigure)
    response = post_form(admin_client, url, value="12", label="emplois")
    assert_on_field(
        response.context["adminform"].form,
        "territory",
        message(KeyFigure, "initiatives_keyfigure_has_subject"),
    )
    assert not KeyFigure.objects.exists()


def test_source_without_document_or_address_is_shown_on_document(admin_client, make_initiative):
    initiative = make_initiative()
    form = post_row(admin_client, change_url(initiative), SourceCitation, note="entretien")
    assert_on_field(
        form, "document", message(SourceCitation, "initiatives_sourcecitation_document_or_url")
    )
    assert not SourceCitation.objects.exists()


@pytest.mark.parametrize(
    ("organisation", "person"), [(True, True), (False, False)], ids=["both", "neither"]
)
def test_involvement_needs_exactly_one_actor(
    admin_client, make_initiative, make_organisation, make_person, organisation, person
):
    initiative = make_initiative()
    fields = {"role": "partner"}
    if organisation:
        fields["organisation"] = str(make_organisation().pk)
    if person:
        fields["person"] = str(make_person().pk)
    form = post_row(admin_client, change_url(initiative), Involvement, **fields)
    assert_on_field(
        form, "organisation", message(Involvement, "actors_involvement_exactly_one_actor")
    )
    assert not Involvement.objects.exists()


def test_involvement_end_before_start_is_shown_on_end(
    admin_client, make_initiative, make_organisation
):
    initiative = make_initiative()
    form = post_row(
        admin_client,
        change_url(initiative),
        Involvement,
        role="partner",
        organisation=str(make_organisation().pk),
        start="mars 2017",
        end="2016",
    )
    assert_on_field(form, "end", message(Involvement, "actors_involvement_end_after_start"))
    assert not Involvement.objects.exists()


@pytest.mark.parametrize(
    ("model", "fields", "name"),
    [
        (Involvement, {"role": "funder"}, "actors_involvement_amount_positive"),
        (Funding, {"status": "funded"}, "actors_funding_amount_positive"),
    ],
)
def test_negative_amount_is_shown_on_amount(
    admin_client, make_initiative, make_organisation, model, fields, name
):
    initiative = make_initiative()
    actor = str(make_organisation().pk)
    actor_field = "organisation" if model is Involvement else "beneficiary"
    form = post_row(
        admin_client,
        change_url(initiative),
        model,
        **fields,
        **{actor_field: actor, "amount": "-1 200,50"},
    )
    assert_on_field(form, "amount", message(model, name))
    assert not model.objects.exists()


def test_second_funding_of_a_beneficiary_is_shown_on_beneficiary(
    admin_client, make_initiative, make_organisation
):
    initiative = make_initiative()
    beneficiary = make_organisation()
    Funding.objects.create(initiative=initiative, beneficiary=beneficiary, status="funded")
    response = admin_client.post(
        add_url(Funding),
        change_form_data(
            admin_client.get(add_url(Funding)),
            initiative=str(initiative.pk),
            beneficiary=str(beneficiary.pk),
            status="funded",
        ),
    )
    assert response.status_code == 200
    assert_on_field(
        response.context["adminform"].form,
        "beneficiary",
        message(Funding, "actors_funding_one_per_beneficiary"),
    )
    assert Funding.objects.count() == 1


def test_affiliation_end_before_start_is_shown_on_end(admin_client, make_person, make_organisation):
    person = make_person()
    form = post_row(
        admin_client,
        change_url(person),
        Affiliation,
        organisation=str(make_organisation().pk),
        job_title="chargée de mission",
        start="2018",
        end="2017",
    )
    assert_on_field(form, "end", message(Affiliation, "actors_affiliation_end_after_start"))
    assert not Affiliation.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "name"),
    [
        ({"dissolved_on": "2015"}, "is_defunct", "actors_organisation_dissolved_is_defunct"),
        (
            {"founded_on": "2012", "dissolved_on": "2010", "is_defunct": "on"},
            "dissolved_on",
            "actors_organisation_dissolved_after_founded",
        ),
    ],
)
def test_organisation_dates_are_checked_on_their_field(
    admin_client, make_organisation, changes, field, name
):
    organisation = make_organisation()
    response = post_form(admin_client, change_url(organisation), **changes)
    assert_on_field(response.context["adminform"].form, field, message(Organisation, name))
    organisation.refresh_from_db()
    assert organisation.dissolved_on is None


def test_organisation_under_itself_is_shown_on_parent(admin_client, make_organisation):
    organisation = make_organisation()
    response = post_form(admin_client, change_url(organisation), parent=str(organisation.pk))
    assert_on_field(
        response.context["adminform"].form,
        "parent",
        message(Organisation, "actors_organisation_not_own_parent"),
    )
    organisation.refresh_from_db()
    assert organisation.parent_id is None


def test_consent_without_date_is_shown_on_its_date(admin_client, make_person):
    person = make_person()
    response = post_form(admin_client, change_url(person), contact_consent="on")
    assert_on_field(
        response.context["adminform"].form,
        "consent_recorded_on",
        message(Person, "actors_person_consent_is_dated"),
    )
    person.refresh_from_db()
    assert person.contact_consent is False


@pytest.mark.parametrize(
    ("changes", "field", "name"),
    [
        (
            {"valid_from": "2016", "valid_until": "2015"},
            "valid_until",
            "initiatives_territory_validity_order",
        ),
        ({"latitude": "95", "longitude": "2.8"}, "latitude", "initiatives_territory_coordinates"),
    ],
)
def test_territory_checks_are_shown_on_their_field(
    admin_client, make_territory, changes, field, name
):
    territory = make_territory()
    response = post_form(admin_client, change_url(territory), **changes)
    assert_on_field(response.context["adminform"].form, field, message(Territory, name))
    territory.refresh_from_db()
    assert territory.valid_until is None and territory.latitude is None


@pytest.mark.parametrize("model", [Territory, Theme, Initiative])
def test_a_tree_node_under_itself_is_refused_on_parent(admin_client, make_initiative, model):
    if model is Initiative:
        node = make_initiative()
    else:
        node = model.objects.create(
            name="Nœud",
            slug="noeud",
            **({"kind": Territory.Kind.REGION} if model is Territory else {}),
        )
    response = post_form(admin_client, change_url(node), parent=str(node.pk))
    form = response.context["adminform"].form
    assert form.errors["parent"] and not form.non_field_errors()
    node.refresh_from_db()
    assert node.parent_id is None


def test_second_label_in_a_language_is_shown_on_language():
    keyword = Keyword.objects.create(label="circularité", slug="circularite")
    KeywordLabel.objects.create(keyword=keyword, language="en", label="circularity")
    with pytest.raises(ValidationError) as refused:
        KeywordLabel(keyword=keyword, language="en", label="circular economy").full_clean()
    assert refused.value.message_dict == {
        "language": [message(KeywordLabel, "initiatives_keywordlabel_one_per_language")]
    }
    assert KeywordLabel.objects.count() == 1
