"""Proposed changes to published records: a Rédacteur proposes, a Relecteur compares and
publishes or sends back; the public sees the published version until then."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from actors.models import Involvement
from initiatives.models import (
    Event,
    Initiative,
    Milestone,
    Proposal,
    PublicationState,
    ReviewStep,
)
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def propose_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_propose", args=[obj.pk])


def compare_url(proposal):
    return reverse("admin:initiatives_proposal_change", args=[proposal.pk])


def preview_url(proposal):
    return reverse("admin:initiatives_proposal_preview", args=[proposal.pk])


EVENTS = "events"  # the events formset's prefix on the initiative form
MILESTONES = "milestones"


@pytest.fixture
def published(make_initiative):
    initiative = make_initiative(
        "Rivières vivantes", summary="Des rivières pour tous.", start="2017-03", end="2020"
    )
    Milestone.objects.create(initiative=initiative, date="2017-03", title="Lancement")
    Event.objects.create(
        initiative=initiative, title="Atelier de Lens", kind=Event.Kind.WORKSHOP, start="2018"
    )
    return initiative


def add_event(data, title, start="2019-06-12"):
    total = int(data[f"{EVENTS}-TOTAL_FORMS"])
    data.update(
        {
            f"{EVENTS}-TOTAL_FORMS": str(total + 1),
            f"{EVENTS}-{total}-title": title,
            f"{EVENTS}-{total}-kind": Event.Kind.SEMINAR,
            f"{EVENTS}-{total}-status": Event.Status.PLANNED,
            f"{EVENTS}-{total}-start": start,
            f"{EVENTS}-{total}-initiative": "",
        }
    )
    return data


def propose(client, record, comment="", **changes):
    response = client.get(propose_url(record))
    assert response.status_code == 200
    data = change_form_data(response, **changes)
    data["proposal_comment"] = comment
    return data


def submit(client, record, data):
    return client.post(propose_url(record), data)


@pytest.fixture
def proposal(client, writer, published):
    client.force_login(writer)
    data = add_event(propose(client, published, title="Rivières et zones humides"), "Séminaire")
    response = submit(client, published, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    client.logout()
    return Proposal.objects.get()


# The Rédacteur's side --------------------------------------------------------------------


def test_a_writer_opening_a_published_record_sees_a_banner_and_the_way_to_propose(
    client, writer, published
):
    client.force_login(writer)
    html = client.get(change_url(published)).content.decode()
    assert "Cette fiche est publiée" in html
    assert "Vous ne pouvez pas la modifier directement" in html
    assert f'href="{propose_url(published)}"' in html


def test_a_writer_edits_a_draft_directly_not_as_a_proposal(client, writer, make_initiative):
    draft = make_initiative(state=PublicationState.DRAFT)
    client.force_login(writer)
    assert "Proposer une modification" not in client.get(change_url(draft)).content.decode()
    response = client.get(propose_url(draft))
    assert response.status_code == 302 and response["Location"] == change_url(draft)


def test_the_proposal_form_is_the_record_form_with_its_parts(client, writer, published):
    client.force_login(writer)
    response = client.get(propose_url(published))
    html = response.content.decode()
    assert "Proposition de modification." in html
    assert "Enregistrer la proposition" in html
    form = response.context["adminform"].form
    assert "title" in form.fields and "publication_state" not in form.fields
    prefixes = {inline.formset.prefix for inline in response.context["inline_admin_formsets"]}
    assert {EVENTS, MILESTONES, "figures", "involvements", "fundings"} <= prefixes


def test_a_proposal_leaves_the_record_the_public_page_and_the_api_unchanged(
    client, proposal, published
):
    assert proposal.state == Proposal.State.OPEN and proposal.is_open
    assert proposal.changes["fields"] == ["title"]
    assert [row["action"] for row in proposal.changes["parts"][EVENTS]] == ["added"]
    published.refresh_from_db()
    assert published.title == "Rivières vivantes"
    assert list(published.events.values_list("title", flat=True)) == ["Atelier de Lens"]
    html = client.get(published.get_absolute_url()).content.decode()
    assert "Rivières vivantes" in html and "Atelier de Lens" in html
    assert "zones humides" not in html and "Séminaire" not in html
    api = client.get(reverse("api_initiative", args=[published.slug])).content.decode()
    assert "Rivières vivantes" in api and "zones humides" not in api


def test_a_proposal_is_validated_before_being_stored(client, writer, published):
    client.force_login(writer)
    data = propose(client, published, title="")
    response = submit(client, published, data)
    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    assert not Proposal.objects.exists()


def test_a_proposal_that_changes_nothing_is_refused(client, writer, published):
    client.force_login(writer)
    response = submit(client, published, propose(client, published))
    assert response.status_code == 200
    assert "ne change rien" in response.content.decode()
    assert not Proposal.objects.exists()


def test_re_editing_updates_the_author_s_open_proposal(client, writer, proposal, published):
    client.force_login(writer)
    response = client.get(propose_url(published))
    assert response.context["adminform"].form["title"].value() == "Rivières et zones humides"
    data = change_form_data(response, title="Rivières d’Artois")
    data["proposal_comment"] = "Le bon nom"
    assert submit(client, published, data).status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.comment == "Le bon nom"
    assert proposal.form_data()["title"] == "Rivières d’Artois"
    assert [row["action"] for row in proposal.changes["parts"][EVENTS]] == ["added"]


def test_submitting_is_a_review_step(proposal, published):
    step = ReviewStep.objects.of(published).get()
    assert step.action == ReviewStep.Action.SUBMIT and step.user == proposal.author


# The Relecteur's side --------------------------------------------------------------------


def test_a_reviewer_sees_open_proposals_on_the_record(client, reviewer, proposal, published):
    client.force_login(reviewer)
    html = client.get(change_url(published)).content.decode()
    assert "1 proposition de modification en attente" in html
    assert compare_url(proposal) in html
    listing = client.get(reverse("admin:initiatives_proposal_changelist")).content.decode()
    assert "Rivières vivantes" in listing and compare_url(proposal) in listing


def test_the_comparison_shows_changed_fields_and_parts_in_french(
    client, reviewer, proposal, published
):
    client.force_login(reviewer)
    response = client.get(compare_url(proposal))
    assert response.status_code == 200
    fields = {field.label: field for field in response.context["fields"]}
    assert fields["Titre"].changed
    assert (fields["Titre"].current, fields["Titre"].proposed) == (
        "Rivières vivantes",
        "Rivières et zones humides",
    )
    assert not fields["Type"].changed and fields["Type"].current == "Projet"
    assert fields["Début"].current == "mars 2017"
    (events,) = [part for part in response.context["parts"] if part.label == "Événements"]
    (added,) = events.rows
    assert added.action == "added"
    values = {field.label: field.proposed for field in added.fields}
    assert values["Type"] == "Séminaire" and values["Date"] == "12 juin 2019"
    assert events.unchanged == 1
    html = response.content.decode()
    assert "Publier la proposition" in html and "Renvoyer à l’auteur" in html
    assert html.count("proposal-tag--changed") == 1 + len(
        [field for field in added.fields if field.changed]
    )


def test_publishing_applies_fields_and_parts(client, writer, reviewer, published):
    client.force_login(writer)
    response = client.get(propose_url(published))
    data = change_form_data(response, title="Rivières et zones humides")
    data = add_event(data, "Séminaire")
    data[f"{EVENTS}-0-title"] = "Atelier de Lens-Liévin"
    data[f"{MILESTONES}-0-DELETE"] = "on"
    data["proposal_comment"] = "Nouveau nom"
    assert submit(client, published, data).status_code == 302
    proposal = Proposal.objects.get()
    client.force_login(reviewer)
    response = client.post(compare_url(proposal), {"_publish": "1", "comment": "Merci"})
    assert response.status_code == 302 and response["Location"] == change_url(published)
    published.refresh_from_db()
    assert published.title == "Rivières et zones humides"
    assert published.publication_state == PublicationState.PUBLISHED
    assert sorted(published.events.values_list("title", flat=True)) == [
        "Atelier de Lens-Liévin",
        "Séminaire",
    ]
    assert not published.milestones.exists()
    latest = published.history.latest()
    assert latest.history_change_reason == f"Proposition de {writer.username} publiée"
    assert latest.history_user == reviewer
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PUBLISHED and proposal.decided_by == reviewer
    step = ReviewStep.objects.of(published).filter(action=ReviewStep.Action.PUBLISH).get()
    assert step.addressed_to == writer and "Merci" in step.comment
    assert LogEntry.objects.filter(object_id=str(published.pk), user=reviewer).exists()
    client.logout()
    html = client.get(published.get_absolute_url()).content.decode()
    assert "Rivières et zones humides" in html and "Séminaire" in html


def test_a_change_made_since_on_other_fields_is_kept(client, reviewer, proposal, published):
    published.summary = "Résumé revu par la relectrice."
    published.save()
    client.force_login(reviewer)
    response = client.post(compare_url(proposal), {"_publish": "1"})
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.title == "Rivières et zones humides"
    assert published.summary == "Résumé revu par la relectrice."


def test_a_conflicting_change_is_refused_in_french_and_nothing_is_written(
    client, reviewer, proposal, published
):
    published.title = "Rivières du Nord"
    published.save()
    client.force_login(reviewer)
    response = client.get(compare_url(proposal))
    assert "modifiée sur les mêmes champs" in response.content.decode()
    response = client.post(compare_url(proposal), {"_publish": "1"}, follow=True)
    html = response.content.decode()
    assert "La proposition n’a pas été publiée, rien n’a été enregistré" in html
    assert "modifiée sur les mêmes champs" in html
    published.refresh_from_db()
    assert published.title == "Rivières du Nord"
    assert published.events.count() == 1  # the proposed event was not added either
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.OPEN


def test_a_conflicting_change_of_a_part_is_refused(client, writer, reviewer, published):
    client.force_login(writer)
    data = propose(client, published)
    data[f"{EVENTS}-0-title"] = "Atelier de Lens-Liévin"
    assert submit(client, published, data).status_code == 302
    event = published.events.get()
    event.title = "Atelier de Liévin"
    event.save()
    client.force_login(reviewer)
    response = client.post(compare_url(Proposal.objects.get()), {"_publish": "1"}, follow=True)
    assert "modifiée sur les mêmes champs" in response.content.decode()
    event.refresh_from_db()
    assert event.title == "Atelier de Liévin"


def test_sending_back_tells_the_author(client, writer, reviewer, proposal, published):
    client.force_login(reviewer)
    response = client.post(compare_url(proposal), {"_send_back": "1", "comment": ""})
    assert response.status_code == 200
    assert "le commentaire est obligatoire" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.OPEN
    client.post(compare_url(proposal), {"_send_back": "1", "comment": "Sourcez le titre."})
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.SENT_BACK
    step = ReviewStep.objects.of(published).get(action=ReviewStep.Action.REQUEST_CHANGES)
    assert step.addressed_to == writer and step.user == reviewer
    assert "Sourcez le titre." in step.comment
    published.refresh_from_db()
    assert published.title == "Rivières vivantes"
    client.force_login(writer)
    html = client.get(change_url(published)).content.decode()
    assert "Votre proposition vous a été renvoyée" in html and "Sourcez le titre." in html


def test_the_author_withdraws_a_proposal(client, writer, proposal, published):
    client.force_login(writer)
    response = client.post(compare_url(proposal), {"_withdraw": "1"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.WITHDRAWN
    published.refresh_from_db()
    assert published.title == "Rivières vivantes"


# Permissions ----------------------------------------------------------------------------


def test_a_writer_cannot_publish_a_proposal(client, writer, proposal, published):
    client.force_login(writer)
    html = client.get(compare_url(proposal)).content.decode()
    assert "Publier la proposition" not in html
    assert client.post(compare_url(proposal), {"_publish": "1"}).status_code == 403
    assert client.post(compare_url(proposal), {"_send_back": "1", "comment": "x"}).status_code == (
        403
    )
    published.refresh_from_db()
    proposal.refresh_from_db()
    assert published.title == "Rivières vivantes" and proposal.state == Proposal.State.OPEN


def test_a_stranger_cannot_see_a_proposal(client, make_staff, proposal, published):
    from portal import staff

    stranger = make_staff(staff.WRITER)
    client.force_login(stranger)
    assert client.get(compare_url(proposal)).status_code == 404
    assert client.get(preview_url(proposal)).status_code == 404
    assert client.post(compare_url(proposal), {"_withdraw": "1"}).status_code == 404
    listing = client.get(reverse("admin:initiatives_proposal_changelist")).content.decode()
    assert compare_url(proposal) not in listing
    # The banner lists only the stranger's own proposals: none.
    assert "en attente" not in client.get(change_url(published)).content.decode()


def test_the_public_cannot_reach_proposals(client, proposal):
    response = client.get(compare_url(proposal))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_reviewer_cannot_decide_twice(client, reviewer, proposal, published):
    client.force_login(reviewer)
    client.post(compare_url(proposal), {"_withdraw": "1"})  # not the author: refused
    client.post(compare_url(proposal), {"_publish": "1"})
    response = client.post(compare_url(proposal), {"_publish": "1"}, follow=True)
    assert "n’est plus en attente" in response.content.decode()


# Previews --------------------------------------------------------------------------------


def test_the_preview_of_a_proposal_shows_it_and_saves_nothing(
    client, writer, reviewer, proposal, published
):
    for user in (writer, reviewer):
        client.force_login(user)
        response = client.get(preview_url(proposal))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Rivières et zones humides" in html and "Séminaire" in html
        assert f"si la proposition de {writer.username} était publiée" in html
    published.refresh_from_db()
    assert published.title == "Rivières vivantes" and published.events.count() == 1
    client.logout()
    assert "zones humides" not in client.get(published.get_absolute_url()).content.decode()


def test_the_staff_preview_of_a_draft_shows_its_published_actors(
    client, writer, make_initiative, make_organisation
):
    draft = make_initiative("Projet en brouillon", state=PublicationState.DRAFT)
    public = make_organisation("Agence publiée")
    hidden = make_organisation("Association en brouillon", state=PublicationState.DRAFT)
    for organisation in (public, hidden):
        Involvement.objects.create(
            initiative=draft, organisation=organisation, role=Involvement.Role.PILOT
        )
    child = make_initiative("Action rattachée", parent=draft)
    client.force_login(writer)
    html = client.get(draft.get_absolute_url()).content.decode()
    assert "Aperçu réservé aux agents" in html and "telle qu’elle sera une fois publiée" in html
    assert "Agence publiée" in html and "Association en brouillon" not in html
    assert child.title in html


def test_the_staff_preview_of_a_draft_organisation_shows_its_roles(
    client, writer, make_initiative, make_organisation
):
    organisation = make_organisation("Agence en brouillon", state=PublicationState.DRAFT)
    Involvement.objects.create(
        initiative=make_initiative("Projet public"),
        organisation=organisation,
        role=Involvement.Role.PARTNER,
    )
    client.force_login(writer)
    assert "Projet public" in client.get(organisation.get_absolute_url()).content.decode()


# Other records and query counts ----------------------------------------------------------


def test_a_proposal_on_an_organisation(client, writer, reviewer, make_organisation):
    organisation = make_organisation("Agence de l’eau")
    client.force_login(writer)
    assert (
        submit(
            client,
            organisation,
            propose(client, organisation, name="Agence de l’eau Artois-Picardie"),
        ).status_code
        == 302
    )
    proposal = Proposal.objects.get()
    assert proposal.record == organisation
    client.force_login(reviewer)
    assert client.get(compare_url(proposal)).status_code == 200
    client.post(compare_url(proposal), {"_publish": "1"})
    organisation.refresh_from_db()
    assert organisation.name == "Agence de l’eau Artois-Picardie"


def test_the_comparison_queries_do_not_grow_with_the_parts(
    client, reviewer, proposal, published, django_assert_num_queries
):
    client.force_login(reviewer)
    client.get(compare_url(proposal))  # warm the content types

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(compare_url(proposal)).status_code == 200
        return len(queries)

    few = count()
    for number in range(15):
        Event.objects.create(
            initiative=published, title=f"Réunion {number}", kind=Event.Kind.PLENARY
        )
        Milestone.objects.create(initiative=published, date="2019", title=f"Étape {number}")
    assert count() == few
    with django_assert_num_queries(few):
        client.get(compare_url(proposal))
    assert few <= 40


def test_the_proposals_list_queries_are_bounded(
    client, reviewer, proposal, django_assert_max_num_queries
):
    client.force_login(reviewer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:initiatives_proposal_changelist")).status_code == 200
    assert Initiative.objects.count() == 1
