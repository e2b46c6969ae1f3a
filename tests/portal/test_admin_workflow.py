"""The review workflow in the staff site: buttons and their views, bulk actions, the publication
check, and the emails' preference page."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from actors.models import Involvement, Organisation
from initiatives import workflow
from initiatives.models import Initiative, PublicationState, ReviewEmailPreference, ReviewStep

pytestmark = pytest.mark.django_db
State = PublicationState


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def step_url(obj, name):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_transition", args=[obj.pk, name])


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_change_form_shows_the_allowed_buttons_and_the_last_steps(
    client, writer, reviewer, make_initiative
):
    record = make_initiative(state=State.DRAFT)
    workflow.perform("submit", record, writer, "Première version <b>complète</b>")
    client.force_login(writer)
    page = client.get(change_url(record)).content.decode()
    assert "Soumettre à la relecture" not in page  # already in review
    assert "Marquer comme vérifié" in page and "Publier" not in page
    assert "Première version &lt;b&gt;complète&lt;/b&gt;" in page  # escaped
    assert 'name="publication_state"' not in page

    client.force_login(reviewer)
    page = client.get(change_url(record)).content.decode()
    for label in ("Demander des modifications", "Publier", "Archiver", "Marquer comme vérifié"):
        assert f"<summary>{label}</summary>" in page
    assert f'action="{step_url(record, "publish")}"' in page
    assert "<script" not in page.split('id="workflow-title"')[1].split("</section>")[0]


def test_a_writer_submits_with_a_comment_from_the_form(client, writer, make_initiative):
    record = make_initiative("Tiers-lieu", state=State.DRAFT)
    client.force_login(writer)
    response = client.post(step_url(record, "submit"), {"comment": "À relire avant vendredi"})
    assert response.status_code == 302 and response.url == change_url(record)
    record.refresh_from_db()
    assert record.publication_state == State.REVIEW
    assert said(response) == ["« Tiers-lieu »\u202f: envoyée en relecture."]
    step = ReviewStep.objects.of(record).get()
    assert (step.comment, step.user) == ("À relire avant vendredi", writer)
    history = client.get(reverse("admin:initiatives_initiative_history", args=[record.pk]))
    assert "Soumis à la relecture\u202f: À relire avant vendredi" in history.content.decode()


def test_a_writer_gets_a_french_403_for_a_reviewers_step_and_nothing_is_written(
    client, writer, make_initiative
):
    record = make_initiative(state=State.REVIEW)
    client.force_login(writer)
    for name in ("publish", "request_changes", "archive"):
        response = client.post(step_url(record, name), {"comment": "non"})
        assert response.status_code == 403
        assert "réservé aux relecteurs" in response.content.decode()
    record.refresh_from_db()
    assert record.publication_state == State.REVIEW
    assert not ReviewStep.objects.of(record).exists()


def test_a_step_from_the_wrong_state_comes_back_with_a_french_message(
    client, reviewer, make_initiative
):
    record = make_initiative("Publiée")
    client.force_login(reviewer)
    response = client.post(step_url(record, "publish"))
    assert response.status_code == 302
    assert said(response) == ["« Publiée » est déjà publiée\u202f: « Publier » ne s'applique pas."]
    assert not ReviewStep.objects.of(record).exists()


def test_unknown_step_or_record_is_a_404(client, reviewer, make_initiative):
    record = make_initiative(state=State.DRAFT)
    client.force_login(reviewer)
    assert client.post(step_url(record, "delete_everything")).status_code == 404
    missing = reverse("admin:initiatives_initiative_transition", args=[999999, "publish"])
    assert client.post(missing).status_code == 404


def test_anonymous_users_are_sent_to_the_login(client, make_initiative):
    record = make_initiative(state=State.DRAFT)
    response = client.post(step_url(record, "submit"))
    assert response.status_code == 302 and "/login/" in response.url
    assert not ReviewStep.objects.exists()


def test_get_shows_a_confirmation_page_and_writes_nothing(client, writer, make_initiative):
    record = make_initiative(state=State.DRAFT)
    client.force_login(writer)
    response = client.get(step_url(record, "submit"))
    assert response.status_code == 200
    assert 'name="comment"' in response.content.decode()
    record.refresh_from_db()
    assert record.publication_state == State.DRAFT


def test_publishing_an_initiative_with_draft_links_asks_first_then_publishes_the_ticked(
    client, reviewer, make_initiative, make_organisation
):
    record = make_initiative("Opération", state=State.REVIEW)
    pilot = make_organisation("Pilote", state=State.DRAFT)
    partner = make_organisation("Partenaire", state=State.DRAFT)
    for organisation in (pilot, partner):
        Involvement.objects.create(initiative=record, organisation=organisation, role="pilot")
    client.force_login(reviewer)

    page = client.post(step_url(record, "publish"), {"comment": "Relu"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "Organisation « Pilote » (brouillon)" in content
    assert f'value="{workflow.link_key(pilot)}"' in content
    assert ">Relu</textarea>" in content  # the comment is kept
    record.refresh_from_db()
    assert record.publication_state == State.REVIEW

    response = client.post(
        step_url(record, "publish"),
        {"comment": "Relu", "confirmed": "1", "also_publish": [workflow.link_key(pilot)]},
    )
    assert response.status_code == 302
    for obj in (record, pilot, partner):
        obj.refresh_from_db()
    assert record.publication_state == pilot.publication_state == State.PUBLISHED
    assert partner.publication_state == State.DRAFT
    messages = said(response)
    assert "Publiées avec elle\u202f: « Pilote »." in messages
    assert any("Absents de sa page publique" in m and "« Partenaire »" in m for m in messages)


def test_a_forged_link_key_publishes_nothing_else(
    client, reviewer, make_initiative, make_organisation
):
    record = make_initiative(state=State.REVIEW)
    unrelated = make_organisation(state=State.DRAFT)
    client.force_login(reviewer)
    client.post(
        step_url(record, "publish"),
        {"confirmed": "1", "also_publish": [workflow.link_key(unrelated)]},
    )
    unrelated.refresh_from_db()
    assert unrelated.publication_state == State.DRAFT


def test_bulk_submit_says_why_nothing_happened(client, writer, make_initiative):
    published = [make_initiative() for _ in range(3)]
    client.force_login(writer)
    response = client.post(
        changelist_url(Initiative),
        {"action": "send_to_review", "_selected_action": [obj.pk for obj in published]},
        follow=True,
    )
    assert said(response) == [
        "Aucune fiche envoyée en relecture\u202f: 3 fiches sélectionnées sont publiées."
    ]


def test_bulk_publish_counts_what_was_done_and_what_was_not(client, reviewer, make_initiative):
    records = [make_initiative(state=State.REVIEW) for _ in range(2)] + [make_initiative()]
    client.force_login(reviewer)
    response = client.post(
        changelist_url(Initiative),
        {"action": "publish", "_selected_action": [obj.pk for obj in records]},
        follow=True,
    )
    assert said(response) == ["2 fiches publiées\u202f: 1 fiche sélectionnée est déjà publiée."]
    assert ReviewStep.objects.filter(action="publish").count() == 2


def test_bulk_publish_with_draft_links_shows_the_check_then_publishes(
    client, reviewer, make_initiative, make_organisation
):
    record = make_initiative("Opération", state=State.REVIEW)
    pilot = make_organisation("Pilote", state=State.DRAFT)
    Involvement.objects.create(initiative=record, organisation=pilot, role="pilot")
    client.force_login(reviewer)
    data = {"action": "publish", "_selected_action": [record.pk]}
    page = client.post(changelist_url(Initiative), data)
    assert (
        page.status_code == 200 and "Organisation « Pilote » (brouillon)" in page.content.decode()
    )
    record.refresh_from_db()
    assert record.publication_state == State.REVIEW

    response = client.post(
        changelist_url(Initiative),
        {**data, "confirmed": "1", "also_publish": [workflow.link_key(pilot)]},
    )
    assert response.status_code == 302
    pilot.refresh_from_db()
    record.refresh_from_db()
    assert record.publication_state == pilot.publication_state == State.PUBLISHED


def test_bulk_verify_for_a_writer(client, writer, make_initiative):
    records = [make_initiative(state=State.DRAFT), make_initiative(state=State.ARCHIVED)]
    client.force_login(writer)
    response = client.post(
        changelist_url(Initiative),
        {"action": "mark_verified", "_selected_action": [obj.pk for obj in records]},
        follow=True,
    )
    assert said(response) == [
        "1 fiche marquée comme vérifiée\u202f: 1 fiche sélectionnée est archivée."
    ]


def test_organisation_buttons_and_check(client, reviewer, make_organisation):
    parent = make_organisation("Réseau", state=State.DRAFT)
    unit = make_organisation("Antenne", state=State.REVIEW, parent=parent)
    client.force_login(reviewer)
    page = client.post(step_url(unit, "publish"))
    assert "Organisation « Réseau » (brouillon)" in page.content.decode()
    client.post(step_url(unit, "publish"), {"confirmed": "1"})
    unit.refresh_from_db()
    parent.refresh_from_db()
    assert unit.publication_state == State.PUBLISHED
    assert parent.publication_state == State.DRAFT


def test_each_agent_edits_only_their_own_email_preference(client, writer, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("admin:initiatives_reviewemailpreference_changelist"))
    own = ReviewEmailPreference.objects.get(user=reviewer)
    assert response.status_code == 302 and response.url == reverse(
        "admin:initiatives_reviewemailpreference_change", args=[own.pk]
    )
    response = client.post(response.url, {"frequency": "daily"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.frequency == ReviewEmailPreference.Frequency.DAILY

    client.force_login(writer)  # Rédacteurs hold the app's change rights: not on others' rows
    other = reverse("admin:initiatives_reviewemailpreference_change", args=[own.pk])
    assert client.post(other, {"frequency": "never"}).status_code in (302, 403)
    own.refresh_from_db()
    assert own.frequency == ReviewEmailPreference.Frequency.DAILY


@pytest.mark.parametrize("model", [Initiative, Organisation], ids=["initiative", "organisation"])
def test_the_workflow_panel_keeps_the_change_form_queries_bounded(
    model, client, reviewer, make_initiative, make_organisation, django_assert_max_num_queries
):
    make = make_initiative if model is Initiative else make_organisation
    record = make(state=State.DRAFT)
    for number in range(8):
        workflow.perform("verify", record, reviewer, f"contrôle n° {number}")
    client.force_login(reviewer)
    client.get(change_url(record))  # sessions and content types warmed
    with django_assert_max_num_queries(45):
        response = client.get(change_url(record))
    assert response.content.decode().count("contrôle n° ") == 5
