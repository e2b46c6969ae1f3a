import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from initiatives.models import Initiative, PublicationState
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_staff_groups_exist_with_distinct_rights():
    from django.contrib.auth.models import Group

    writer = Group.objects.get(name="Rédacteur")
    reviewer = Group.objects.get(name="Relecteur")
    assert not writer.permissions.filter(codename="publish_initiative").exists()
    assert reviewer.permissions.filter(codename="publish_initiative").exists()
    assert writer.permissions.filter(codename="change_initiative").exists()
    assert Group.objects.filter(name="Administrateur").exists()


def test_a_writer_cannot_publish_with_the_action(client, writer, make_initiative):
    draft = make_initiative(state=PublicationState.DRAFT)
    client.force_login(writer)
    response = client.get(changelist_url(Initiative))
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "publish" not in actions and "send_to_review" in actions
    client.post(
        changelist_url(Initiative),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.publication_state == PublicationState.DRAFT


def test_a_writer_cannot_publish_through_the_form(client, writer, make_initiative):
    # The state is no field of the form any more: it changes through the workflow's buttons.
    draft = make_initiative(state=PublicationState.DRAFT)
    client.force_login(writer)
    response = client.get(change_url(draft))
    assert "publication_state" not in response.context["adminform"].form.fields
    data = change_form_data(response)
    data["publication_state"] = "published"
    response = client.post(change_url(draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.publication_state == PublicationState.DRAFT


def test_a_writer_cannot_edit_a_published_record(client, writer, make_initiative):
    published = make_initiative("Fiche publiée")
    client.force_login(writer)
    response = client.get(change_url(published))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    data = change_form_data(response, title="Modifié")
    client.post(change_url(published), data)
    published.refresh_from_db()
    assert published.title == "Fiche publiée"


def test_a_writer_sends_a_draft_to_review(client, writer, make_initiative):
    draft = make_initiative(state=PublicationState.DRAFT)
    client.force_login(writer)
    client.post(
        changelist_url(Initiative), {"action": "send_to_review", "_selected_action": [draft.pk]}
    )
    draft.refresh_from_db()
    assert draft.publication_state == PublicationState.REVIEW


def test_a_reviewer_publishes_and_archives(client, reviewer, make_initiative):
    draft = make_initiative(state=PublicationState.REVIEW)
    client.force_login(reviewer)
    client.post(changelist_url(Initiative), {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.publication_state == PublicationState.PUBLISHED and draft.published_at
    client.post(changelist_url(Initiative), {"action": "archive", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.publication_state == PublicationState.ARCHIVED


def test_history_records_an_admin_edit_and_revert_restores_it(client, reviewer, make_initiative):
    initiative = make_initiative("Titre d'origine", summary="Résumé d'origine")
    client.force_login(reviewer)
    response = client.get(change_url(initiative))
    response = client.post(
        change_url(initiative), change_form_data(response, title="Titre corrigé")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    initiative.refresh_from_db()
    assert initiative.title == "Titre corrigé"

    latest, previous = initiative.history.all()[:2]
    assert latest.history_user == reviewer
    delta = latest.diff_against(previous)
    assert delta.changed_fields == ["title"]
    assert (delta.changes[0].old, delta.changes[0].new) == ("Titre d'origine", "Titre corrigé")

    history_page = client.get(reverse("admin:initiatives_initiative_history", args=[initiative.pk]))
    assert history_page.status_code == 200
    assert "Titre d&#x27;origine" in history_page.content.decode()  # the change, before/after

    revert_url = reverse(
        "admin:initiatives_initiative_simple_history", args=[initiative.pk, previous.history_id]
    )
    response = client.get(revert_url)
    response = client.post(revert_url, change_form_data(response))
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Titre d'origine"
    assert initiative.history.count() == 3


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(changelist_url(Initiative))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_group_see_nothing(client):
    user = User.objects.create_user("sansgroupe", password="un mot de passe long", is_staff=True)
    client.force_login(user)
    assert client.get(changelist_url(Initiative)).status_code == 403


def test_a_writer_cannot_revert_a_published_record_through_its_history(
    client, writer, make_initiative
):
    initiative = make_initiative("Fiche publiée")
    version = initiative.history.latest()
    initiative.title = "Titre relu"
    initiative.save()
    client.force_login(writer)
    url = reverse("admin:initiatives_initiative_simple_history", args=[initiative.pk, version.pk])
    form_page = client.get(url)
    data = change_form_data(form_page, title="Réécrit", publication_state="draft")
    assert client.post(url, data).status_code == 403
    initiative.refresh_from_db()
    assert (initiative.title, initiative.publication_state) == ("Titre relu", "published")


def test_a_writer_cannot_change_the_parts_of_a_published_initiative(
    client, writer, make_initiative
):
    from initiatives.models import Event

    event = Event.objects.create(initiative=make_initiative(), title="Atelier", kind="workshop")
    client.force_login(writer)
    url = reverse("admin:initiatives_event_change", args=[event.pk])
    response = client.get(url)
    assert response.context["has_change_permission"] is False
    client.post(url, change_form_data(response, title="Atelier modifié"))
    event.refresh_from_db()
    assert event.title == "Atelier"
    draft = make_initiative(state=PublicationState.DRAFT)
    add = client.get(reverse("admin:initiatives_event_add"))
    data = change_form_data(
        add, initiative=str(draft.pk), title="Sur un brouillon", kind="workshop"
    )
    assert client.post(reverse("admin:initiatives_event_add"), data).status_code == 302
