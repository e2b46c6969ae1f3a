"""The review workflow's service: each transition, who may apply it, and what it writes."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from actors.models import Funding, Involvement
from initiatives import workflow
from initiatives.models import Document, PublicationState, ReviewStep

pytestmark = pytest.mark.django_db
State = PublicationState


def steps(record):
    return list(ReviewStep.objects.of(record).values_list("action", "comment"))


def last_reason(record):
    return record.history.first().history_change_reason


def test_a_writer_submits_a_draft_with_a_comment(writer, make_initiative):
    draft = make_initiative(state=State.DRAFT)
    step = workflow.perform("submit", draft, writer, "  Prête, merci de relire.  ")
    draft.refresh_from_db()
    assert draft.publication_state == State.REVIEW
    assert (step.action, step.comment, step.user) == ("submit", "Prête, merci de relire.", writer)
    assert step.record == draft
    assert last_reason(draft) == "Soumis à la relecture\u202f: Prête, merci de relire."
    assert draft.history.first().history_user == writer


def test_without_a_comment_the_reason_is_the_step_alone(writer, make_initiative):
    draft = make_initiative(state=State.DRAFT)
    workflow.perform("submit", draft, writer)
    assert last_reason(draft) == "Soumis à la relecture"
    assert steps(draft) == [("submit", "")]


def test_request_changes_goes_back_to_draft_addressed_to_the_last_submitter(
    writer, reviewer, make_staff, make_initiative
):
    other_writer = make_staff("Rédacteur")
    record = make_initiative(state=State.DRAFT)
    workflow.perform("submit", record, other_writer)
    workflow.perform("request_changes", record, reviewer, "Sources ?")
    workflow.perform("submit", record, writer, "Corrigé")
    step = workflow.perform("request_changes", record, reviewer, "Encore une date")
    record.refresh_from_db()
    assert record.publication_state == State.DRAFT
    assert step.addressed_to == writer
    assert last_reason(record) == "Modifications demandées\u202f: Encore une date"


@pytest.mark.parametrize("start", [State.DRAFT, State.REVIEW, State.ARCHIVED])
def test_a_reviewer_publishes(reviewer, make_initiative, start):
    record = make_initiative(state=start)
    workflow.perform("publish", record, reviewer, "Bon pour publication")
    record.refresh_from_db()
    assert record.publication_state == State.PUBLISHED and record.published_at
    assert record.is_public
    assert steps(record) == [("publish", "Bon pour publication")]


def test_archive_and_back_to_draft(reviewer, make_initiative):
    record = make_initiative()
    workflow.perform("archive", record, reviewer, "Terminée depuis 2019")
    record.refresh_from_db()
    assert record.publication_state == State.ARCHIVED
    workflow.perform("unpublish", record, reviewer)
    record.refresh_from_db()
    assert record.publication_state == State.DRAFT
    assert [action for action, _ in steps(record)] == ["unpublish", "archive"]


def test_verify_sets_today_and_keeps_the_state(writer, make_initiative):
    record = make_initiative(state=State.PUBLISHED, last_verified=None)
    workflow.perform("verify", record, writer, "Vérifié auprès du pilote")
    record.refresh_from_db()
    assert record.last_verified == timezone.localdate()
    assert record.publication_state == State.PUBLISHED
    assert last_reason(record) == "Vérifié\u202f: Vérifié auprès du pilote"


def test_verifying_twice_in_a_day_still_shows_the_comment_in_the_history(writer, make_initiative):
    from initiatives.history import timeline

    record = make_initiative(state=State.DRAFT)
    workflow.perform("verify", record, writer)
    workflow.perform("verify", record, writer, "Revu le budget")
    assert timeline(record)[0].reason == "Vérifié\u202f: Revu le budget"


@pytest.mark.parametrize("name", ["request_changes", "publish", "archive", "unpublish"])
def test_a_writer_may_not_apply_the_reviewers_steps(writer, make_initiative, name):
    record = make_initiative(state=State.REVIEW if name != "unpublish" else State.PUBLISHED)
    before = record.publication_state
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(name, record, writer, "essai")
    assert refused.value.permission
    assert "réservé aux relecteurs" in refused.value.message
    record.refresh_from_db()
    assert record.publication_state == before
    assert steps(record) == []
    assert record.history.count() == 1


def test_staff_without_a_group_may_not_even_submit(make_initiative):
    nobody = User.objects.create_user("sans-groupe", is_staff=True)
    record = make_initiative(state=State.DRAFT)
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform("submit", record, nobody)
    assert refused.value.permission
    assert steps(record) == []


def test_an_inactive_reviewer_may_not_publish(reviewer, make_initiative):
    reviewer.is_active = False
    reviewer.save()
    record = make_initiative(state=State.REVIEW)
    with pytest.raises(workflow.TransitionRefused):
        workflow.perform("publish", record, reviewer)


@pytest.mark.parametrize(
    ("name", "state", "said"),
    [
        ("submit", State.REVIEW, "est déjà en relecture"),
        ("submit", State.PUBLISHED, "est publiée"),
        ("request_changes", State.DRAFT, "est déjà un brouillon"),
        ("publish", State.PUBLISHED, "est déjà publiée"),
        ("archive", State.ARCHIVED, "est déjà archivée"),
        ("unpublish", State.DRAFT, "est déjà un brouillon"),
        ("verify", State.ARCHIVED, "est archivée"),
    ],
)
def test_a_step_from_the_wrong_state_is_refused_in_french_and_writes_nothing(
    reviewer, make_initiative, name, state, said
):
    record = make_initiative("Rivières", state=state)
    versions = record.history.count()
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(name, record, reviewer, "commentaire")
    assert not refused.value.permission
    assert refused.value.message.startswith(f"« Rivières » {said}\u202f:")
    assert steps(record) == []
    assert record.history.count() == versions


def test_the_state_is_read_again_under_lock(writer, make_initiative):
    # A record object loaded before someone else submitted it: the service sees the truth.
    record = make_initiative(state=State.DRAFT)
    stale = type(record).objects.get(pk=record.pk)
    workflow.perform("submit", record, writer)
    with pytest.raises(workflow.TransitionRefused):
        workflow.perform("submit", stale, writer)
    assert len(steps(record)) == 1


def test_every_publishable_model_goes_through_the_workflow(
    writer, reviewer, make_organisation, make_person
):
    document = Document.objects.create(title="Rapport", slug="rapport", kind="report")
    for record in (make_organisation(state=State.DRAFT), make_person(state=State.DRAFT), document):
        workflow.perform("submit", record, writer, "à relire")
        workflow.perform("publish", record, reviewer)
        record.refresh_from_db()
        assert record.publication_state == State.PUBLISHED
        assert [action for action, _ in steps(record)] == ["publish", "submit"]


def test_available_steps_follow_the_rights_and_the_state(writer, reviewer, make_initiative):
    draft = make_initiative(state=State.DRAFT)
    names = [t.name for t in workflow.available(writer, draft)]
    assert names == ["submit", "verify"]
    in_review = make_initiative(state=State.REVIEW)
    assert [t.name for t in workflow.available(writer, in_review)] == ["verify"]
    assert [t.name for t in workflow.available(reviewer, in_review)] == [
        "request_changes",
        "publish",
        "archive",
        "verify",
    ]


def test_publishing_takes_the_chosen_linked_records_along_in_one_transaction(
    reviewer, make_initiative, make_organisation, make_person
):
    parent = make_initiative("Programme", state=State.DRAFT)
    record = make_initiative("Opération", state=State.REVIEW, parent=parent)
    pilot = make_organisation("Pilote", state=State.DRAFT)
    funded = make_organisation("Bénéficiaire", state=State.REVIEW)
    person = make_person("Durand", state=State.DRAFT)
    public = make_organisation("Déjà publique")
    document = Document.objects.create(title="Rapport", slug="rapport-op", kind="report")
    record.documents.add(document)
    Involvement.objects.create(initiative=record, organisation=pilot, role="pilot")
    Involvement.objects.create(initiative=record, organisation=public, role="partner")
    Involvement.objects.create(initiative=record, person=person, role="contact")
    Funding.objects.create(initiative=record, beneficiary=funded, status="funded")

    groups = workflow.unpublished_links(record)
    found = {group.label: [str(r) for r in group.records] for group in groups}
    assert found == {
        "Initiatives parentes": ["Programme"],
        "Documents": ["Rapport"],
        "Organisations (rôles et financements)": ["Bénéficiaire", "Pilote"],
        "Personnes": ["Camille Durand"],
    }

    workflow.perform("publish", record, reviewer, "ok", also_publish=[parent, pilot])
    for obj in (record, parent, pilot, funded, person):
        obj.refresh_from_db()
    assert record.is_public  # its parent was published with it
    assert pilot.publication_state == State.PUBLISHED
    assert (funded.publication_state, person.publication_state) == (State.REVIEW, State.DRAFT)
    assert steps(pilot) == [("publish", "Publié avec « Opération »")]
    left = workflow.missing_after(record, groups, {workflow.link_key(pilot)})
    assert any("« Bénéficiaire » (en relecture)" in sentence for sentence in left)


def test_a_refused_linked_record_rolls_the_whole_publication_back(
    reviewer, make_initiative, make_person
):
    record = make_initiative(state=State.REVIEW)
    archived_person = make_person(state=State.PUBLISHED)  # already published: refused
    with pytest.raises(workflow.TransitionRefused):
        workflow.perform("publish", record, reviewer, also_publish=[archived_person])
    record.refresh_from_db()
    assert record.publication_state == State.REVIEW
    assert steps(record) == []


def test_organisations_and_people_have_their_own_links(reviewer, make_organisation, make_person):
    from actors.models import Affiliation

    parent = make_organisation("Tête de réseau", state=State.DRAFT)
    unit = make_organisation("Antenne", state=State.REVIEW, parent=parent)
    person = make_person(state=State.REVIEW)
    Affiliation.objects.create(person=person, organisation=unit, job_title="Chargée de mission")
    assert [g.records for g in workflow.unpublished_links(unit)] == [[parent]]
    assert [g.records for g in workflow.unpublished_links(person)] == [[unit]]


@pytest.mark.parametrize(
    ("done", "refused", "message"),
    [
        (2, {}, "2 fiches publiées."),
        (1, {}, "1 fiche publiée."),
        (
            0,
            {workflow.ALREADY[State.PUBLISHED]: 3},
            "Aucune fiche publiée\u202f: 3 fiches sélectionnées sont déjà publiées.",
        ),
        (
            1,
            {workflow.ALREADY[State.PUBLISHED]: 1, workflow.STATE_PHRASES[State.ARCHIVED]: 2},
            "1 fiche publiée\u202f: 1 fiche sélectionnée est déjà publiée\u202f; "
            "2 fiches sélectionnées sont archivées.",
        ),
    ],
)
def test_bulk_messages_count_in_french(done, refused, message):
    refused = {reason: [object()] * count for reason, count in refused.items()}
    assert workflow.bulk_message("publish", [object()] * done, refused) == message
