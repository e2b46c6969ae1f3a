"""PostgreSQL decides what the public sees: every write path, not only the ORM's save(), keeps
`is_public`, the listing and its totals true, and notes the change for the caches."""

import json

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from actors import listing
from actors.models import Involvement
from initiatives.models import Initiative, Listing, ListingTotal, PublicationState, Theme
from portal.cache import current_versions

pytestmark = pytest.mark.django_db

PUBLISHED, DRAFT = PublicationState.PUBLISHED, PublicationState.DRAFT


def public_slugs():
    return set(Initiative.objects.published().values_list("slug", flat=True))


def rule_slugs():
    return set(Initiative.objects.with_public_lineage().values_list("slug", flat=True))


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def api_status(client, initiative):
    return client.get(reverse("api_initiative", args=[initiative.slug])).status_code


def exported_slugs(client):
    response = client.get(reverse("initiative_export", args=["json"]))
    return {row["slug"] for row in json.loads(b"".join(response.streaming_content))}


def test_queryset_update_to_draft_hides_the_record_everywhere(client, make_initiative):
    initiative = make_initiative("Opération secrète")
    assert api_status(client, initiative) == 200
    Initiative.objects.filter(pk=initiative.pk).update(publication_state=DRAFT)
    assert api_status(client, initiative) == 404
    assert initiative.slug not in exported_slugs(client)
    assert initiative.slug not in public_slugs()
    assert listing.is_consistent()


def test_raw_sql_hides_a_subtree_and_shows_it_again(make_initiative):
    parent = make_initiative()
    child = make_initiative(parent=parent)
    grandchild = make_initiative(parent=child)
    sql("UPDATE initiatives_initiative SET publication_state = 'review' WHERE id = %s", [parent.pk])
    assert public_slugs() == rule_slugs() == set()
    sql(
        "UPDATE initiatives_initiative SET publication_state = 'published' WHERE id = %s",
        [parent.pk],
    )
    assert public_slugs() == rule_slugs() == {parent.slug, child.slug, grandchild.slug}
    assert listing.is_consistent()


def test_writing_is_public_directly_changes_nothing(make_initiative):
    draft = make_initiative(state=DRAFT)
    sql("UPDATE initiatives_initiative SET is_public = true WHERE id = %s", [draft.pk])
    assert not Initiative.objects.published().filter(pk=draft.pk).exists()


def test_bulk_create_under_a_hidden_parent_stays_hidden(make_initiative):
    hidden = make_initiative(state=DRAFT)
    shown = make_initiative()
    Initiative.objects.bulk_create(
        [
            Initiative(title="Sous un brouillon", slug="sous-brouillon", kind="project",
                       publication_state=PUBLISHED, parent=hidden),
            Initiative(title="Sous une fiche publiée", slug="sous-publiee", kind="project",
                       publication_state=PUBLISHED, parent=shown),
        ]
    )  # fmt: skip
    assert "sous-brouillon" not in public_slugs()
    assert "sous-publiee" in public_slugs()
    assert public_slugs() == rule_slugs()
    assert listing.is_consistent()


def test_a_child_loaded_before_its_parent_follows_the_parent(make_initiative):
    # loaddata defers foreign keys: a child may come first.
    sql("SET CONSTRAINTS ALL DEFERRED")
    sql(
        "INSERT INTO initiatives_initiative (id, title, slug, kind, status, summary, body,"
        " objectives, website, acronym, publication_state, created_at, updated_at, parent_id,"
        " lineage, is_public) VALUES (900002, 'Enfant', 'enfant', 'project', 'ongoing', '', '',"
        " '', '', '', 'published', now(), now(), 900001, '{}', false)"
    )
    sql(
        "INSERT INTO initiatives_initiative (id, title, slug, kind, status, summary, body,"
        " objectives, website, acronym, publication_state, created_at, updated_at, lineage,"
        " is_public) VALUES (900001, 'Parent', 'parent', 'programme', 'ongoing', '', '', '',"
        " '', '', 'published', now(), now(), '{}', false)"
    )
    assert public_slugs() == rule_slugs() == {"parent", "enfant"}
    assert listing.is_consistent()


def test_moving_under_a_hidden_parent_by_update_hides(make_initiative):
    hidden = make_initiative(state=DRAFT)
    initiative = make_initiative()
    Initiative.objects.filter(pk=initiative.pk).update(parent=hidden)
    assert initiative.slug not in public_slugs()
    assert listing.is_consistent()


@pytest.mark.parametrize("how", ["orm", "sql"])
def test_deleting_a_published_initiative_keeps_the_totals_true(client, make_initiative, how):
    theme = Theme.objects.create(name="Économie circulaire", slug="economie-circulaire")
    initiatives = [make_initiative() for _ in range(3)]
    for initiative in initiatives:
        initiative.themes.add(theme)
    assert ListingTotal.objects.count_of("themes", theme.pk) == 3
    if how == "orm":
        initiatives[0].delete()
    else:
        sql(
            "DELETE FROM initiatives_initiative_themes WHERE initiative_id = %s",
            [initiatives[0].pk],
        )
        sql("DELETE FROM initiatives_initiative WHERE id = %s", [initiatives[0].pk])
    assert ListingTotal.objects.count_of("themes", theme.pk) == 2
    assert ListingTotal.objects.count_of("total", "") == 2
    page = client.get(reverse("initiatives:theme", args=[theme.slug]))
    assert page.context["initiative_count"] == 2
    index = client.get("/initiatives/", {"thematique": theme.slug})
    assert index.context["page"].paginator.count == 2
    assert listing.is_consistent()


def test_unpublishing_an_actor_by_update_leaves_the_listing(make_initiative, make_organisation):
    initiative = make_initiative()
    organisation = make_organisation()
    Involvement.objects.create(initiative=initiative, organisation=organisation, role="pilot")
    assert Listing.objects.get(pk=initiative.pk).organisations == [organisation.pk]
    type(organisation).objects.filter(pk=organisation.pk).update(publication_state=DRAFT)
    assert Listing.objects.get(pk=initiative.pk).organisations == []
    assert ListingTotal.objects.count_of("organisations", organisation.pk) == 0
    assert listing.is_consistent()


def test_editing_a_summary_rewrites_one_listing_row_and_no_total(make_initiative):
    parent = make_initiative()
    children = [make_initiative(parent=parent) for _ in range(3)]
    before = {row.pk: row.updated_at for row in Listing.objects.all()}
    totals = ListingTotal.objects.count()
    parent.summary = "Un nouveau résumé."
    parent.save()
    after = {row.pk: row.updated_at for row in Listing.objects.all()}
    assert after[parent.pk] != before[parent.pk]
    assert all(after[child.pk] == before[child.pk] for child in children)
    assert ListingTotal.objects.count() == totals  # nothing counted changed: no delta row


def test_refresh_listing_invalidates_cached_counts(client, make_initiative):
    make_initiative()
    before = current_versions()
    call_command("refresh_listing", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = current_versions()
    assert after["pages"] > before["pages"] and after["counts"] > before["counts"]
    assert listing.is_consistent()


def test_only_public_changes_move_the_versions(make_initiative):
    draft = make_initiative(state=DRAFT)
    published = make_initiative()
    start = current_versions()
    draft.summary = "Brouillon retouché."
    draft.save()
    assert current_versions() == start  # a draft save invalidates nothing public
    published.summary = "Texte public retouché."
    published.save()
    edited = current_versions()
    assert edited["pages"] > start["pages"] and edited["counts"] == start["counts"]
    draft.publication_state = PUBLISHED
    draft.save()
    shown = current_versions()
    assert shown["pages"] > edited["pages"] and shown["counts"] > edited["counts"]


def test_the_page_cache_key_holds_the_host(client, make_initiative, settings):
    settings.ALLOWED_HOSTS = ["registre.example.org", "autre.example.org"]
    make_initiative("Fiche commune")
    first = client.get("/initiatives/", HTTP_HOST="registre.example.org")
    other = client.get("/initiatives/", HTTP_HOST="autre.example.org")
    assert b"registre.example.org" in first.content
    assert b"autre.example.org" in other.content
    assert b"registre.example.org" not in other.content


def test_the_page_cache_honours_vary(rf, make_initiative):
    from django.http import HttpResponse

    from portal.cache import AnonymousPageCacheMiddleware

    def view(request):
        response = HttpResponse(request.headers.get("Accept-Language", "fr"))
        response["Vary"] = "Accept-Language"
        return response

    middleware = AnonymousPageCacheMiddleware(view)
    assert middleware(rf.get("/x/", HTTP_ACCEPT_LANGUAGE="en")).content == b"en"
    assert middleware(rf.get("/x/", HTTP_ACCEPT_LANGUAGE="de")).content == b"de"
    assert middleware(rf.get("/x/", HTTP_ACCEPT_LANGUAGE="de")).content == b"de"


def test_the_rate_limit_is_shared_by_every_process(client, settings, monkeypatch):
    from portal.opendata import access

    monkeypatch.setattr(access, "RATE_LIMIT", 2)
    assert client.get(reverse("api_initiatives")).status_code == 200
    caches["local"].clear()  # another worker: nothing in its memory
    assert client.get(reverse("api_initiatives")).status_code == 200
    caches["local"].clear()
    assert client.get(reverse("api_initiatives")).status_code == 429
    with connections["cache"].cursor() as cursor:  # the shared cache's own connection
        cursor.execute("SELECT count FROM portal_windowcount WHERE name LIKE 'open-data-rate:%'")
        assert cursor.fetchall() == [(3,)]
