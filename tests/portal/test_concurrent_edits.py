import pytest
from django.urls import reverse

from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_the_second_save_is_refused_and_says_what_changed(
    client, reviewer, make_staff, make_initiative
):
    from django.test import Client

    initiative = make_initiative("Titre initial", summary="Résumé initial")
    other = Client()
    other.force_login(make_staff("Relecteur"))
    client.force_login(reviewer)

    mine = client.get(change_url(initiative))
    theirs = other.get(change_url(initiative))

    response = other.post(change_url(initiative), change_form_data(theirs, title="Leur titre"))
    assert response.status_code == 302

    response = client.post(change_url(initiative), change_form_data(mine, summary="Mon résumé"))
    assert response.status_code == 200
    message = " ".join(response.context["adminform"].form.non_field_errors())
    assert "a été modifiée par" in message and "titre" in message
    initiative.refresh_from_db()
    assert (initiative.title, initiative.summary) == ("Leur titre", "Résumé initial")


def test_a_fresh_form_saves(client, reviewer, make_initiative):
    initiative = make_initiative("Titre")
    client.force_login(reviewer)
    opened = client.get(change_url(initiative))
    assert (
        client.post(change_url(initiative), change_form_data(opened, title="Nouveau")).status_code
        == 302
    )
    reopened = client.get(change_url(initiative))
    assert (
        client.post(change_url(initiative), change_form_data(reopened, title="Encore")).status_code
        == 302
    )
    initiative.refresh_from_db()
    assert initiative.title == "Encore"


def test_a_form_without_its_version_is_refused(client, reviewer, make_organisation):
    organisation = make_organisation("Atemis")
    client.force_login(reviewer)
    data = change_form_data(client.get(change_url(organisation)), name="Atemis SARL")
    data.pop("edit_version")
    assert client.post(change_url(organisation), data).status_code == 200
    organisation.refresh_from_db()
    assert organisation.name == "Atemis"
