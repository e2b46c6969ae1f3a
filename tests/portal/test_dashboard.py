"""The admin home: what each staff member finds there, where its links lead, what it costs."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from actors.models import Organisation, Person
from initiatives.models import (
    Document,
    Event,
    Initiative,
    KeyFigure,
    PublicationState,
    ReviewStep,
)
from portal import staff
from portal.dashboard import Dashboard, count_of

pytestmark = pytest.mark.django_db

DRAFT, REVIEW = PublicationState.DRAFT, PublicationState.REVIEW
PUBLISHED, ARCHIVED = PublicationState.PUBLISHED, PublicationState.ARCHIVED
LONG_AGO = datetime.date.today() - datetime.timedelta(days=800)


def save_as(record, user, **changes):
    for name, value in changes.items():
        setattr(record, name, value)
    record._history_user = user
    record.save()
    return record


def step(record, action, user, comment="", **fields):
    return ReviewStep.objects.create(
        record=record, action=action, user=user, comment=comment, **fields
    )


def section(dashboard, key):
    return next(s for s in dashboard.sections if s.key == key)


def titles(section):
    return [entry.title for entry in section.entries]


@pytest.fixture
def new_initiative(make_initiative):
    """An initiative written by `user` (its history says so)."""

    def make(user, title, state=DRAFT, **fields):
        initiative = make_initiative(title, state=state, **fields)
        initiative.history.update(history_user=user)
        return initiative

    return make


def test_a_writer_finds_the_drafts_they_created_or_changed_last(writer, make_staff, new_initiative):
    colleague = make_staff(staff.WRITER)
    new_initiative(writer, "Créée par moi")
    save_as(new_initiative(writer, "Reprise par une collègue"), colleague, summary="Relu")
    save_as(new_initiative(colleague, "Reprise par moi"), writer, summary="Complété")
    new_initiative(colleague, "Celle d'une collègue")
    new_initiative(writer, "Déjà publiée", state=PUBLISHED)

    drafts = section(Dashboard(writer), "drafts")

    assert sorted(titles(drafts)) == [
        "Créée par moi",
        "Reprise par moi",
        "Reprise par une collègue",
    ]
    assert drafts.total == 3
    assert drafts.more == [
        (
            "3 initiatives",
            reverse("admin:initiatives_initiative_changelist")
            + "?publication_state__exact=draft&suivi=mine",
        )
    ]


def test_a_reviewer_sees_the_queue_with_who_submitted_since_when_and_the_comment(
    reviewer, writer, make_staff, new_initiative, make_organisation
):
    initiative = new_initiative(writer, "Rivières vivantes", state=REVIEW)
    submitted = step(initiative, ReviewStep.Action.SUBMIT, writer, "Les dates sont à vérifier.")
    organisation = make_organisation("Agence de l'eau", state=REVIEW)
    organisation.history.update(history_user=make_staff(staff.WRITER))

    dashboard = Dashboard(reviewer)
    queue = section(dashboard, "review")

    assert queue.title == "À relire"
    assert titles(queue) == ["Rivières vivantes", "Agence de l'eau"]  # the longest waiting first
    entry = next(e for e in queue.entries if e.title == "Rivières vivantes")
    assert (entry.who, entry.at, entry.comment) == (
        writer.username,
        submitted.at,
        "Les dates sont à vérifier.",
    )
    assert entry.url == reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    assert [label for label, _ in queue.more] == ["1 initiative", "1 organisation"]


def test_without_a_submit_step_the_history_says_who_sent_to_review(
    reviewer, writer, make_staff, new_initiative
):
    colleague = make_staff(staff.WRITER)
    initiative = new_initiative(colleague, "Sans étape")
    # An earlier round: submitted with a step, sent back, then put in review from the form.
    step(initiative, ReviewStep.Action.SUBMIT, colleague, "Ancienne demande")
    save_as(initiative, colleague, publication_state=REVIEW)
    save_as(initiative, reviewer, publication_state=DRAFT)
    save_as(initiative, writer, publication_state=REVIEW)
    save_as(initiative, writer, summary="Encore une retouche")  # still the same submission
    entered = initiative.history.filter(publication_state=REVIEW).order_by("history_date")[1]

    entry = section(Dashboard(reviewer), "review").entries[0]

    assert (entry.who, entry.at, entry.comment) == (writer.username, entered.history_date, "")


def test_a_writer_sees_only_their_own_submissions(writer, make_staff, new_initiative):
    colleague = make_staff(staff.WRITER)
    mine = new_initiative(writer, "La mienne", state=REVIEW)
    step(mine, ReviewStep.Action.SUBMIT, writer)
    theirs = new_initiative(colleague, "La sienne", state=REVIEW)
    step(theirs, ReviewStep.Action.SUBMIT, colleague)

    queue = section(Dashboard(writer), "review")

    assert queue.title == "Mes fiches en relecture"
    assert titles(queue) == ["La mienne"]
    assert queue.more[0][1].endswith("?suivi=submitted")


def test_changes_requested_to_me_show_who_asked_and_why_until_i_submit_again(
    writer, reviewer, make_staff, new_initiative
):
    initiative = new_initiative(writer, "À reprendre")
    step(initiative, ReviewStep.Action.SUBMIT, writer)
    step(
        initiative,
        ReviewStep.Action.REQUEST_CHANGES,
        reviewer,
        "Il manque la source du chiffre clé.",
        addressed_to=writer,
    )
    other = new_initiative(writer, "Pour quelqu'un d'autre")
    step(other, ReviewStep.Action.REQUEST_CHANGES, reviewer, addressed_to=make_staff("Rédacteur"))

    requested = section(Dashboard(writer), "requested")
    assert titles(requested) == ["À reprendre"]
    assert requested.entries[0].who == reviewer.username
    assert requested.entries[0].comment == "Il manque la source du chiffre clé."
    assert section(Dashboard(reviewer), "requested").entries == []

    save_as(initiative, writer, publication_state=REVIEW)
    step(initiative, ReviewStep.Action.SUBMIT, writer, "Source ajoutée.")
    assert section(Dashboard(writer), "requested").entries == []


def test_overdue_verifications_list_mine_first_and_skip_archived_records(
    reviewer, make_initiative, make_person, make_organisation
):
    team = Group.objects.create(name="Équipe littoral")
    reviewer.groups.add(team)
    make_initiative("Pas à moi", last_verified=LONG_AGO - datetime.timedelta(days=30))
    make_person("Durand", last_verified=LONG_AGO, responsible=reviewer)
    make_organisation("Par mon équipe", last_verified=LONG_AGO, responsible_team=team)
    make_initiative("Vérifiée", last_verified=datetime.date.today())
    make_initiative("Archivée", state=ARCHIVED, last_verified=LONG_AGO)

    overdue = section(Dashboard(reviewer), "overdue")

    assert titles(overdue) == ["Par mon équipe", "Camille Durand", "Pas à moi"]
    assert [entry.mine for entry in overdue.entries] == [True, True, False]
    assert overdue.total == 3
    assert overdue.extra == "dont 2 sous votre responsabilité"
    assert overdue.entries[1].due == LONG_AGO.replace(year=LONG_AGO.year + 1)


def test_recent_changes_are_those_of_others_with_their_parts(
    reviewer, writer, new_initiative, make_organisation
):
    initiative = new_initiative(writer, "Rivières vivantes")
    event = Event(initiative=initiative, title="Atelier de lancement", kind="workshop")
    save_as(event, writer)
    save_as(new_initiative(reviewer, "La mienne"), reviewer, summary="Ma retouche")
    make_organisation("Sans auteur")  # an import: nobody signed it

    recent = Dashboard(reviewer).recent

    described = [(e.title, e.action, e.part, e.who) for e in recent]
    assert described[0] == ("Sans auteur", "Création", "", "quelqu’un (import ou script)")
    assert described[1] == (
        "Rivières vivantes",
        "Création",
        "événement « Atelier de lancement »",
        writer.username,
    )
    assert described[2] == ("Rivières vivantes", "Création", "", writer.username)
    assert "La mienne" not in [e.title for e in recent]
    assert recent[1].url == reverse("admin:initiatives_initiative_change", args=[initiative.pk])


def test_a_key_figure_about_a_territory_alone_is_left_out(reviewer, writer, make_territory):
    figure = KeyFigure(territory=make_territory(), value=12, unit="emplois", label="créés")
    save_as(figure, writer)
    assert Dashboard(reviewer).recent == []


def test_a_deleted_record_is_named_but_not_linked(reviewer, writer, new_initiative):
    initiative = new_initiative(writer, "Supprimée")
    initiative._history_user = writer
    initiative.delete()

    deleted = Dashboard(reviewer).recent[0]

    assert (deleted.title, deleted.action, deleted.url) == ("Supprimée", "Suppression", None)


def test_counts_by_state_link_to_the_filtered_changelists(reviewer, make_initiative, make_person):
    make_initiative(state=DRAFT)
    make_initiative(state=DRAFT)
    make_initiative(state=PUBLISHED)
    make_person(state=ARCHIVED)

    counts = dict(Dashboard(reviewer).counts)

    assert [cell.count for cell in counts["initiatives"]] == [2, 0, 1, 0]
    assert [cell.count for cell in counts["personnes"]] == [0, 0, 0, 1]
    assert counts["initiatives"][0].url == (
        reverse("admin:initiatives_initiative_changelist") + "?publication_state__exact=draft"
    )


def test_french_counts_keep_zero_and_one_singular():
    assert [count_of(n, Initiative) for n in (0, 1, 2)] == [
        "0 initiative",
        "1 initiative",
        "2 initiatives",
    ]


def test_the_home_page_shows_the_dashboard_above_the_models(
    client, reviewer, writer, new_initiative
):
    initiative = new_initiative(writer, "Rivières vivantes", state=REVIEW)
    step(initiative, ReviewStep.Action.SUBMIT, writer, "Merci de relire les dates.")
    client.force_login(reviewer)

    page = client.get(reverse("admin:index")).content.decode()

    assert page.index('id="home-review"') < page.index('class="app-initiatives')
    assert "Merci de relire les dates." in page
    assert f"Soumission par {writer.username} le " in page
    assert "Voir tout\u202f:" in page
    assert reverse("admin:initiatives_initiative_change", args=[initiative.pk]) in page


def test_staff_without_a_group_get_no_dashboard(client):
    user = User.objects.create_user("sansgroupe", password="un mot de passe long", is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "home-board" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_every_see_all_link_lists_the_records_of_its_section(
    client, reviewer, writer, new_initiative, make_organisation
):
    draft = new_initiative(reviewer, "Mon brouillon")
    in_review = new_initiative(writer, "En attente", state=REVIEW)
    step(in_review, ReviewStep.Action.SUBMIT, writer)
    late = make_organisation("En retard", last_verified=LONG_AGO)
    client.force_login(reviewer)
    dashboard = client.get(reverse("admin:index")).context["dashboard"]

    for key, record in (("drafts", draft), ("review", in_review), ("overdue", late)):
        (label, url), *_ = section(dashboard, key).more
        response = client.get(url)
        assert response.status_code == 200, url
        assert list(response.context["cl"].result_list) == [record], url
    for _, url in dashboard.recent_links:
        assert client.get(url).status_code == 200


# Query counts: the home page costs the same with a few records as with many -----------------


def fill_registry(users, copies):
    """`copies` records of each publishable model in each state, with review steps and
    changes by several people."""
    writer, reviewer = users
    serial = Initiative.objects.count()
    for number in range(serial, serial + copies):
        for state in PublicationState:
            initiative = Initiative(
                title=f"Initiative {state} {number}",
                slug=f"i-{state}-{number}",
                kind=Initiative.Kind.PROJECT,
                publication_state=state,
                last_verified=LONG_AGO,
                responsible=reviewer if number % 2 else None,
            )
            save_as(initiative, writer)
            save_as(
                Event(initiative=initiative, title=f"Atelier {number}", kind="workshop"), writer
            )
            save_as(
                Document(title=f"Doc {state} {number}", slug=f"d-{state}-{number}", kind="report"),
                writer,
                publication_state=state,
            )
            save_as(
                Organisation(
                    name=f"Orga {state} {number}", slug=f"o-{state}-{number}", kind="association"
                ),
                reviewer,
                publication_state=state,
            )
            save_as(
                Person(first_name="Léa", last_name=f"N{state}{number}", slug=f"p-{state}-{number}"),
                writer,
                publication_state=state,
            )
            if state == REVIEW:
                step(initiative, ReviewStep.Action.SUBMIT, writer, "À relire")
            if state == DRAFT:
                step(initiative, ReviewStep.Action.REQUEST_CHANGES, reviewer, addressed_to=writer)


# Session and user, the session's second factor, permissions (2), the dashboard (4 lists × 4
# models, counts × 4, the recent changes, the people named, and for the Relecteur the initiatives
# the changed parts belong to), Django's own recent actions.
HOME_QUERIES = {staff.WRITER: 28, staff.REVIEWER: 29}


@pytest.mark.parametrize("copies", [1, 12], ids=["few", "many"])
@pytest.mark.parametrize("role", [staff.WRITER, staff.REVIEWER])
def test_the_home_page_costs_a_fixed_number_of_queries(
    client, make_staff, role, copies, django_assert_num_queries
):
    writer, reviewer = make_staff(staff.WRITER), make_staff(staff.REVIEWER)
    fill_registry((writer, reviewer), copies)
    user = writer if role == staff.WRITER else reviewer
    client.force_login(user)
    client.get(reverse("admin:index"))  # content types, once per process

    with django_assert_num_queries(HOME_QUERIES[role]):
        response = client.get(reverse("admin:index"))

    dashboard = response.context["dashboard"]
    assert all(section.entries for section in dashboard.sections if section.key != "requested")
    assert len(dashboard.recent) == (10 if copies > 1 or role == staff.REVIEWER else 4)
    assert timezone.now() - dashboard.recent[0].at < datetime.timedelta(minutes=5)
