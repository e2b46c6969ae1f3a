"""bench/generate.py: a large, plausible registry loaded by COPY on top of the seed data.

The module generates 300 initiatives once (about a second) and every test reads them; the
whole module is rolled back at its end.
"""

from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Max, Q

from actors import listing
from actors.models import Involvement, Organisation, Person
from bench.demo.command import Command
from initiatives.models import (
    Event,
    Initiative,
    KeyFigure,
    Listing,
    Milestone,
    PublicationState,
    Territory,
    Theme,
)
from portal.catalogue.search import search_query
from portal.models import SearchWord

pytestmark = pytest.mark.django_db

COUNT = 300
MODELS = [Initiative, Organisation, Person, Involvement, Milestone, Event, KeyFigure, Territory]


def last_ids():
    return {model: model.objects.aggregate(last=Max("pk"))["last"] or 0 for model in MODELS}


def schema():
    """Every index, constraint and trigger of the registry's tables, as PostgreSQL would
    recreate it, and whether each trigger is enabled."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = current_schema()::regnamespace"
            " UNION ALL SELECT tgname, tgenabled::text || pg_get_triggerdef(oid) FROM pg_trigger"
            " WHERE NOT tgisinternal ORDER BY 1, 2"
        )
        return cursor.fetchall()


@pytest.fixture(scope="module")
def before(django_db_setup, django_db_blocker):
    """The last id of each table before generation (generated rows come after it), and the
    schema then."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", verbosity=0)
        ids = last_ids()
        ids["schema"] = schema()
        call_command(Command(), initiatives=COUNT, seed=3, verbosity=0)
        yield ids
        transaction.set_rollback(True)


def generated(model, before):
    return model.objects.filter(pk__gt=before[model])


def about(value, expected):
    return 0.8 * expected <= value <= 1.2 * expected


def test_adds_the_requested_initiatives_and_proportionate_records(before):
    assert generated(Initiative, before).count() == COUNT
    assert about(generated(Organisation, before).count(), COUNT / 5)
    assert about(generated(Person, before).count(), COUNT / 20)
    assert about(generated(Involvement, before).count(), 3 * COUNT)
    assert about(generated(Milestone, before).count(), COUNT)
    assert about(generated(Event, before).count(), COUNT / 2)
    assert about(generated(KeyFigure, before).count(), 0.3 * COUNT)


def test_extends_the_seed_territories_down_to_communes(before):
    territories = generated(Territory, before)
    communes = territories.filter(kind=Territory.Kind.COMMUNE)
    intercommunalities = territories.filter(kind=Territory.Kind.INTERCOMMUNALITY)
    assert 3500 < communes.count() < 4000
    assert 80 < intercommunalities.count() < 100
    departments = Territory.objects.filter(kind=Territory.Kind.DEPARTMENT)
    assert set(intercommunalities.values_list("parent__slug", flat=True)) == {
        "nord",
        "pas-de-calais",
        "somme",
        "aisne",
        "oise",
    }
    assert set(communes.values_list("parent__kind", flat=True)) == {"intercommunality"}
    region = Territory.objects.get(slug="hauts-de-france")
    assert Territory.objects.under(region).filter(kind=Territory.Kind.COMMUNE).count() > 3500
    # Every generated territory hangs under its department: the trigger built the lineage.
    for commune in communes.select_related("parent__parent")[:200]:
        assert commune.lineage == commune.parent.parent.lineage + [commune.parent.pk, commune.pk]
        assert commune.parent.parent in departments
        assert 49.0 <= commune.latitude <= 51.1 and 1.4 <= commune.longitude <= 4.3
    assert communes.values("slug").distinct().count() == communes.count()


def test_adds_sub_themes_under_the_seed_themes(before):
    sub_themes = Theme.objects.filter(slug__in=["circuits-courts", "mobilites-actives"])
    assert [theme.parent.slug for theme in sub_themes.order_by("slug")] == [
        "alimentation",
        "transports",
    ]


def test_files_each_initiative_under_one_to_three_themes_and_one_or_two_territories(before):
    initiatives = generated(Initiative, before)
    themes = Counter(
        Initiative.themes.through.objects.filter(initiative__in=initiatives).values_list(
            "initiative_id", flat=True
        )
    )
    territories = Counter(
        Initiative.territories.through.objects.filter(initiative__in=initiatives).values_list(
            "initiative_id", flat=True
        )
    )
    assert len(themes) == len(territories) == COUNT
    assert set(themes.values()) == {1, 2, 3}
    assert set(territories.values()) == {1, 2}


def test_leaves_about_one_record_in_ten_unpublished_in_mixed_states(before):
    initiatives = generated(Initiative, before)
    hidden = initiatives.exclude(publication_state=PublicationState.PUBLISHED)
    assert 0.05 * COUNT <= hidden.count() <= 0.15 * COUNT
    assert set(hidden.values_list("publication_state", flat=True)) == {
        PublicationState.DRAFT,
        PublicationState.REVIEW,
        PublicationState.ARCHIVED,
    }
    actors = list(generated(Organisation, before).values_list("publication_state", flat=True))
    actors += generated(Person, before).values_list("publication_state", flat=True)
    unpublished = sum(state != PublicationState.PUBLISHED for state in actors)
    assert 0.03 * len(actors) <= unpublished <= 0.2 * len(actors)
    published = initiatives.filter(publication_state=PublicationState.PUBLISHED)
    assert not published.filter(published_at=None).exists()


def test_places_about_one_initiative_in_ten_under_a_programme(before):
    initiatives = generated(Initiative, before)
    children = initiatives.filter(parent__isnull=False).select_related("parent")
    assert 0.05 * COUNT <= children.count() <= 0.15 * COUNT
    assert {child.parent.kind for child in children} == {Initiative.Kind.PROGRAMME}


def test_lineage_of_each_initiative_is_its_parents_then_itself(before):
    for initiative in generated(Initiative, before).select_related("parent"):
        parent_lineage = initiative.parent.lineage if initiative.parent else []
        assert initiative.lineage == parent_lineage + [initiative.pk]


def test_fills_the_generated_columns_for_sort_and_search(before):
    initiatives = generated(Initiative, before)
    assert not initiatives.filter(Q(sort_key=None) | Q(search_vector=None)).exists()
    assert not generated(Organisation, before).filter(search_vector=None).exists()
    # Without accents, a stem of the word: the French configuration of the portal.
    found = initiatives.filter(search_vector=search_query("economie"))
    assert found.count() > 10
    assert initiatives.filter(search_vector=search_query("rénovations énergétiques")).exists()


def test_writes_french_texts_with_unique_slugs(before):
    initiatives = generated(Initiative, before)
    titles = " ".join(initiatives.values_list("title", flat=True))
    assert "é" in titles and " de " in titles
    for initiative in initiatives[:50]:
        assert initiative.summary.endswith(".")
        assert 2 <= len(initiative.body.split("\n\n")) <= 4
        assert initiative.slug.endswith(f"-{initiative.pk}")
    assert initiatives.values("slug").distinct().count() == COUNT


def test_involves_exactly_one_actor_in_roles_spread_as_in_a_real_registry(before):
    involvements = generated(Involvement, before)
    both_or_none = Q(organisation=None, person=None) | Q(
        organisation__isnull=False, person__isnull=False
    )
    assert not involvements.filter(both_or_none).exists()
    roles = Counter(involvements.values_list("role", flat=True))
    assert roles.most_common(2)[0][0] in {"pilot", "partner"}
    assert len(roles) >= 10
    assert roles["pilot"] >= 0.8 * COUNT  # about one pilot per initiative
    with_a_person = involvements.filter(person__isnull=False).count()
    assert 0.1 * len(involvements) <= with_a_person <= 0.35 * len(involvements)
    funders = involvements.filter(role="funder")
    assert funders.filter(amount__gt=0).exists()


def test_no_period_ends_before_it_starts(before):
    def coarser(start, end):
        width = min(len(start.iso), len(end.iso))
        return start.iso[:width], end.iso[:width]

    rows = list(generated(Initiative, before).values_list("start", "end"))
    rows += generated(Involvement, before).values_list("start", "end")
    rows += generated(Event, before).values_list("start", "end")
    rows += generated(KeyFigure, before).values_list("period_start", "date")
    rows += generated(Organisation, before).values_list("founded_on", "dissolved_on")
    checked = 0
    for start, end in rows:
        if start and end:
            start, end = coarser(start, end)
            assert start <= end
            checked += 1
    assert checked > 50


def test_events_have_every_status_and_precision_and_take_place_in_communes(before):
    events = generated(Event, before)
    assert set(events.values_list("status", flat=True)) == {"planned", "held", "cancelled"}
    precisions = {start.precision for start in events.values_list("start", flat=True)}
    assert precisions == {"year", "month", "day"}
    assert set(events.values_list("territory__kind", flat=True)) == {"commune"}


def test_public_pages_answer_with_the_generated_data(client, before):
    assert client.get("/initiatives/").status_code == 200
    response = client.get("/recherche/", {"q": "economie"})
    assert response.status_code == 200
    initiatives = next(s for s in response.context["sections"] if s.key == "initiatives")
    assert initiatives.total > 20  # the seed data alone has a handful


def test_lists_exactly_the_public_initiatives(before):
    assert listing.is_consistent()
    assert Listing.objects.count() > 0.8 * Initiative.objects.count()


def test_puts_back_every_index_constraint_and_trigger_it_suspended(before):
    # 300 initiatives on top of 19: the bulk mode dropped foreign keys and indexes, and
    # disabled the initiatives' row triggers.
    assert schema() == before["schema"]
    names = [row[0] for row in before["schema"]]
    assert "initiatives_initiative_search" in names
    assert "initiatives_initiative_visibility_inserted" in names


def test_writes_the_columns_of_the_suspended_triggers_as_they_compute_them(before):
    """The lineage, visibility and translation sources the generator wrote in place of the
    row triggers are what the triggers compute when the rows are touched."""
    snapshot = (
        "SELECT id, lineage, is_public, translated_from FROM initiatives_initiative"
        " WHERE id > %s ORDER BY id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(snapshot, [before[Initiative]])
        written = cursor.fetchall()
        cursor.execute(
            "UPDATE initiatives_initiative SET parent_id = parent_id WHERE id > %s",
            [before[Initiative]],
        )
        cursor.execute(snapshot, [before[Initiative]])
        computed = cursor.fetchall()
        transaction.set_rollback(True)
    assert len(written) == COUNT
    assert written == computed
    # Both sides of the rule are there: hidden programmes hide their public parts.
    assert {is_public for _, _, is_public, _ in written} == {True, False}
    assert {len(lineage) for _, lineage, _, _ in written} == {1, 2}


def test_derived_tables_are_what_the_triggers_and_a_rebuild_give(before):
    def derived():
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT initiative_id, is_top_level, kind, status, start, "end", sort_key,'
                " updated_at, themes, territories, organisations, roles, organisation_roles"
                " FROM initiatives_listing ORDER BY 1"
            )
            rows = cursor.fetchall()
            cursor.execute(
                'SELECT "column", key, count FROM initiatives_listingtotal ORDER BY 1, 2'
            )
            totals = cursor.fetchall()
            cursor.execute("SELECT word, spelling FROM portal_searchword ORDER BY 1")
            return rows, totals, cursor.fetchall()

    loaded = derived()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT registre_listing_rebuild(), registre_search_words_rebuild()")
        rebuilt = derived()
        transaction.set_rollback(True)
    # The way the triggers keep them row by row: the generated rows taken out of the listing,
    # then refreshed, the totals following by differences.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM initiatives_listing WHERE initiative_id > %s", [before[Initiative]]
        )
        cursor.execute(
            "SELECT registre_listing_refresh(ARRAY(SELECT id FROM initiatives_initiative"
            " WHERE id > %s))",
            [before[Initiative]],
        )
        refreshed = derived()
        transaction.set_rollback(True)
    assert len(loaded[0]) > 0.8 * COUNT
    assert loaded == rebuilt
    assert loaded == refreshed


def test_the_vocabulary_is_each_public_word_in_its_most_frequent_spelling(before):
    # Counted occurrence by occurrence with registre_words, as the triggers read each title:
    # the rebuild counts by spelling, then gives each spelling its word.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON (word) word, spelling FROM ("
            " SELECT found.word, found.spelling FROM initiatives_initiative r,"
            " LATERAL registre_words(r.title) AS found WHERE r.is_public"
            " UNION ALL SELECT found.word, found.spelling FROM actors_organisation r,"
            " LATERAL registre_words(r.name) AS found WHERE r.publication_state = 'published'"
            ") AS words GROUP BY word, spelling ORDER BY word, COUNT(*) DESC, spelling DESC"
        )
        expected = dict(cursor.fetchall())
    assert len(expected) > 500
    assert dict(SearchWord.objects.values_list("word", "spelling")) == expected


def test_the_orm_still_creates_records_afterwards(before, make_initiative, make_organisation):
    initiative = make_initiative(title="Après la génération")
    assert initiative.pk > before[Initiative] + COUNT
    assert initiative.lineage == [initiative.pk]
    organisation = make_organisation()
    Involvement.objects.create(initiative=initiative, organisation=organisation, role="pilot")
    last = last_ids()
    person = Person.objects.create(first_name="Inès", last_name="Caron", slug="ines-caron")
    commune = Territory.objects.create(name="Nouvelle commune", slug="nouvelle", kind="commune")
    assert person.pk > last[Person] and commune.pk > last[Territory]


def test_a_second_run_adds_initiatives_and_reuses_the_territories(before):
    territories = Territory.objects.count()
    call_command(Command(), initiatives=50, seed=3, verbosity=0)
    assert generated(Initiative, before).count() == COUNT + 50
    assert Territory.objects.count() == territories
    assert Initiative.objects.values("slug").distinct().count() == Initiative.objects.count()


def test_refuses_to_generate_nothing(before):
    with pytest.raises(CommandError):
        call_command(Command(), initiatives=0, verbosity=0)


def test_refuses_to_run_without_the_seed_territories(before):
    Territory.objects.filter(slug="hauts-de-france").update(slug="ailleurs")
    initiatives = Initiative.objects.count()
    with pytest.raises(CommandError, match="load_demo"):
        call_command(Command(), initiatives=10, verbosity=0)
    assert Initiative.objects.count() == initiatives
