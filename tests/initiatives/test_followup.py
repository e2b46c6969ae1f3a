"""Verification in the changelists: the "Vérification" and "Mon suivi" filters, the due-date
column, and the responsible person, team and interval on the record's form."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from initiatives.models import Initiative, PublicationState
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.date.today() - datetime.timedelta(days=800)
RECENTLY = datetime.date.today() - datetime.timedelta(days=10)


def changelist(model, **query):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"), query


def listed(client, model, **query):
    url, query = changelist(model, **query)
    response = client.get(url, query)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


@pytest.fixture(params=["initiative", "document", "organisation", "person"])
def make_record(request, make_initiative, make_organisation, make_person):
    """A record of each publishable model, in turn."""
    if request.param == "document":
        from initiatives.models import Document

        def make_document(state=PublicationState.PUBLISHED, **fields):
            number = Document.objects.count() + 1
            return Document.objects.create(
                title=f"Document {number}",
                slug=f"document-{number}",
                kind=Document.Kind.REPORT,
                publication_state=state,
                **fields,
            )

        return make_document
    return {
        "initiative": lambda **fields: make_initiative(**fields),
        "organisation": lambda **fields: make_organisation(**fields),
        "person": lambda **fields: make_person(**fields),
    }[request.param]


def test_the_verification_filter_splits_overdue_from_up_to_date(client, reviewer, make_record):
    late = make_record(last_verified=LONG_AGO)
    fresh = make_record(last_verified=RECENTLY)
    make_record(last_verified=LONG_AGO, state=PublicationState.ARCHIVED)  # not verified any more
    model = type(late)
    client.force_login(reviewer)

    assert listed(client, model, verification="overdue") == {late}
    assert listed(client, model, verification="up_to_date") == {fresh}
    if model is not Initiative:  # its list keeps to 1,280 px without the column
        page = client.get(*changelist(model, verification="overdue")).content.decode()
        assert "en retard</strong>" in page
        assert "échéance de vérification" in page.lower()


def test_an_interval_moves_the_due_date(client, reviewer, make_initiative):
    monthly = make_initiative(last_verified=RECENTLY - datetime.timedelta(days=40))
    monthly.verification_interval = 1
    monthly.save()
    yearly = make_initiative(last_verified=RECENTLY - datetime.timedelta(days=40))
    client.force_login(reviewer)
    assert listed(client, type(monthly), verification="overdue") == {monthly}
    assert yearly in listed(client, type(monthly), verification="up_to_date")


def test_my_follow_up_lists_what_i_answer_for(client, reviewer, make_staff, make_organisation):
    team = Group.objects.create(name="Équipe bocage")
    reviewer.groups.add(team)
    mine = make_organisation(responsible=reviewer)
    ours = make_organisation(responsible_team=team)
    make_organisation(responsible=make_staff("Relecteur"))
    make_organisation()
    client.force_login(reviewer)
    assert listed(client, type(mine), suivi="responsible") == {mine, ours}


def test_my_follow_up_lists_the_drafts_i_touched(client, writer, make_initiative):
    draft = make_initiative(state=PublicationState.DRAFT)
    draft.history.update(history_user=writer)
    make_initiative(state=PublicationState.DRAFT)
    client.force_login(writer)
    assert listed(
        client, type(draft), suivi="mine", publication_state__exact=PublicationState.DRAFT
    ) == {draft}


def test_an_unknown_filter_value_lists_everything_rather_than_failing(
    client, reviewer, make_initiative
):
    record = make_initiative()
    client.force_login(reviewer)
    assert listed(client, type(record), verification="bientôt", suivi="tout") == {record}


def test_the_form_sets_the_responsible_person_team_and_interval(
    client, writer, make_staff, make_initiative
):
    colleague = make_staff("Relecteur")
    colleague.first_name, colleague.last_name = "Claire", "Dubois"
    colleague.save()
    User.objects.create_user("ancien", is_staff=True, is_active=False)
    User.objects.create_user("public", is_staff=False)
    team = Group.objects.create(name="Équipe littoral")
    draft = make_initiative(state=PublicationState.DRAFT)
    url = reverse("admin:initiatives_initiative_change", args=[draft.pk])
    client.force_login(writer)

    response = client.get(url)
    field = response.context["adminform"].form.fields["responsible"]
    assert {label for _, label in field.choices} >= {"Claire Dubois", writer.username}
    assert not {"ancien", "public"} & {label for _, label in field.choices}

    data = change_form_data(
        response, responsible=colleague.pk, responsible_team=team.pk, verification_interval=6
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert (draft.responsible, draft.responsible_team, draft.verification_interval) == (
        colleague,
        team,
        6,
    )
