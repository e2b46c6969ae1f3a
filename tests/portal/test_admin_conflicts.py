"""No lost updates across a record and its parts, and conflicts that say exactly what changed."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from initiatives.models import Event
from portal import staff
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def errors_of(response):
    """Every error of the admin page: the record's form and its inline rows."""
    form = response.context["adminform"].form
    errors = [*form.non_field_errors(), *(e for field in form.errors.values() for e in field)]
    for inline in response.context["inline_admin_formsets"]:
        for row in inline.formset.forms:
            errors += [e for field in row.errors.values() for e in field]
        errors += list(inline.formset.non_form_errors())
    return " ".join(errors)


@pytest.fixture
def initiative_with_event(make_initiative):
    initiative = make_initiative("Mobilités douces", summary="Résumé initial")
    event = Event.objects.create(
        initiative=initiative, title="Atelier vélo", kind="workshop", venue="Salle A"
    )
    return initiative, event


def test_an_event_changed_on_its_own_page_is_not_put_back_by_the_initiative_form(
    reviewer, make_staff, initiative_with_event
):
    initiative, event = initiative_with_event
    editor_a, editor_b = logged_in(reviewer), logged_in(make_staff(staff.REVIEWER))
    opened = editor_a.get(change_url(initiative))

    event_page = editor_b.get(change_url(event))
    assert (
        editor_b.post(change_url(event), change_form_data(event_page, venue="Salle B")).status_code
        == 302
    )

    response = editor_a.post(change_url(initiative), change_form_data(opened, summary="Mon résumé"))

    assert response.status_code == 200
    event.refresh_from_db()
    initiative.refresh_from_db()
    assert (event.venue, initiative.summary) == ("Salle B", "Résumé initial")
    message = errors_of(response)
    assert "lieu (précision)" in message
    assert "« Salle B »" in message and "« Salle A »" in message  # theirs beside mine
    assert editor_b_name(event) in message


def editor_b_name(event):
    return event.history.latest().history_user.get_username()


def test_after_a_conflict_is_shown_the_next_save_goes_through(
    reviewer, make_staff, initiative_with_event
):
    initiative, event = initiative_with_event
    editor_a, editor_b = logged_in(reviewer), logged_in(make_staff(staff.REVIEWER))
    opened = editor_a.get(change_url(initiative))
    event_page = editor_b.get(change_url(event))
    editor_b.post(change_url(event), change_form_data(event_page, venue="Salle B"))

    refused = editor_a.post(change_url(initiative), change_form_data(opened, summary="Mon résumé"))
    data = change_form_data(refused, summary="Mon résumé")
    data[f"{prefix_of(refused, Event)}-0-venue"] = "Salle B"  # keeps theirs, seen beside mine
    assert editor_a.post(change_url(initiative), data).status_code == 302

    event.refresh_from_db()
    initiative.refresh_from_db()
    assert (event.venue, initiative.summary) == ("Salle B", "Mon résumé")


def prefix_of(response, model):
    return next(
        inline.formset.prefix
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    )


def test_a_conflict_names_only_the_fields_that_changed_since_the_form_was_opened(
    reviewer, make_staff, make_initiative
):
    initiative = make_initiative("Titre initial", summary="Résumé initial")
    initiative.summary = "Résumé revu avant l'ouverture"
    initiative.save()
    editor_a, editor_b = logged_in(reviewer), logged_in(make_staff(staff.REVIEWER))
    mine, theirs = editor_a.get(change_url(initiative)), editor_b.get(change_url(initiative))
    editor_b.post(change_url(initiative), change_form_data(theirs, title="Leur titre"))

    response = editor_a.post(change_url(initiative), change_form_data(mine, acronym="MD"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    message = " ".join(form.non_field_errors())
    assert "titre" in message and "résumé" not in message
    assert set(form.errors) == {"__all__", "title"}
    assert "« Leur titre »" in " ".join(form.errors["title"])


def test_saving_a_record_someone_saved_unchanged_meanwhile_is_not_a_conflict(
    reviewer, make_staff, initiative_with_event
):
    initiative, event = initiative_with_event
    editor_a, editor_b = logged_in(reviewer), logged_in(make_staff(staff.REVIEWER))
    opened = editor_a.get(change_url(initiative))
    for url in (change_url(initiative), change_url(event)):  # saved as they were
        assert editor_b.post(url, change_form_data(editor_b.get(url))).status_code == 302

    response = editor_a.post(change_url(initiative), change_form_data(opened, summary="Mon résumé"))

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.summary == "Mon résumé"


def test_inline_rows_left_as_they_were_are_not_saved_again(reviewer, initiative_with_event):
    initiative, event = initiative_with_event
    editor = logged_in(reviewer)
    versions = event.history.count()
    opened = editor.get(change_url(initiative))
    response = editor.post(change_url(initiative), change_form_data(opened, summary="Mon résumé"))
    assert response.status_code == 302
    assert event.history.count() == versions


def test_a_theme_linked_meanwhile_is_a_conflict_on_the_themes(
    reviewer, make_staff, make_initiative
):
    from initiatives.models import Theme

    initiative = make_initiative("Fiche")
    theme = Theme.objects.create(name="Eau", slug="eau")
    editor_a = logged_in(reviewer)
    opened = editor_a.get(change_url(initiative))
    initiative.themes.add(theme)

    response = editor_a.post(change_url(initiative), change_form_data(opened, summary="Mon résumé"))

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"__all__", "themes"}
    assert list(initiative.themes.all()) == [theme]


# Real connections: each thread has its own, and its own transaction.


@pytest.fixture
def committed_editors(make_staff):
    return make_staff(staff.REVIEWER), make_staff(staff.REVIEWER)


@pytest.mark.django_db(transaction=True)
def test_a_part_saved_while_the_record_is_being_saved_is_refused_after_the_lock(
    committed_editors, initiative_with_event
):
    """B's transaction changes the event and holds its row; A's save of the initiative waits
    for it, then sees B's committed change and refuses instead of putting the venue back."""
    initiative, event = initiative_with_event
    editor_a = logged_in(committed_editors[0])
    opened = editor_a.get(change_url(initiative))
    locked, done = threading.Event(), threading.Event()

    def editor_b():
        try:
            with transaction.atomic():
                row = Event.objects.select_for_update().get(pk=event.pk)
                row.venue = "Salle B"
                row.save()
                locked.set()
                wait_until_someone_waits_for_a_lock()
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=editor_b)
    thread.start()
    assert locked.wait(10)
    response = editor_a.post(change_url(initiative), change_form_data(opened, summary="Mon résumé"))
    thread.join(10)

    assert done.is_set()
    assert response.status_code == 200
    assert "lieu (précision)" in errors_of(response)
    event.refresh_from_db()
    initiative.refresh_from_db()
    assert (event.venue, initiative.summary) == ("Salle B", "Résumé initial")


def wait_until_someone_waits_for_a_lock(timeout=10):
    import time

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the other save never waited for the row lock")


@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_a_record_and_its_part_at_once_one_is_refused(
    committed_editors, initiative_with_event
):
    initiative, event = initiative_with_event
    editor_a, editor_b = (logged_in(user) for user in committed_editors)
    opened_initiative = editor_a.get(change_url(initiative))
    opened_event = editor_b.get(change_url(event))
    prefix = prefix_of(opened_initiative, Event)
    posts = {
        "initiative": (
            editor_a,
            change_url(initiative),
            change_form_data(opened_initiative, **{f"{prefix}-0-venue": "Salle A2"}),
        ),
        "event": (editor_b, change_url(event), change_form_data(opened_event, venue="Salle B")),
    }
    start, responses = threading.Barrier(2), {}

    def save(name):
        client, url, data = posts[name]
        try:
            start.wait(5)
            responses[name] = client.post(url, data)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=[name]) for name in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    statuses = sorted(response.status_code for response in responses.values())
    assert statuses == [200, 302]
    refused = next(response for response in responses.values() if response.status_code == 200)
    assert "lieu (précision)" in errors_of(refused) or "lieu (précision)" in " ".join(
        e for errors in refused.context["adminform"].form.errors.values() for e in errors
    )
    event.refresh_from_db()
    winner = next(name for name, response in responses.items() if response.status_code == 302)
    assert event.venue == {"initiative": "Salle A2", "event": "Salle B"}[winner]
