import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.models import PublicationState
from portal.cache import remembered

pytestmark = pytest.mark.django_db


def queries_for(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    return response, len(captured)


def test_a_second_anonymous_visit_is_served_from_the_cache(client, make_initiative):
    initiative = make_initiative("Réseau picard")
    first, first_queries = queries_for(client, initiative.get_absolute_url())
    second, second_queries = queries_for(client, initiative.get_absolute_url())
    assert second.content == first.content
    assert first_queries > 3
    assert second_queries == 1  # the registry's version, nothing else


def test_editing_a_record_changes_the_next_anonymous_response(client, make_initiative):
    initiative = make_initiative("Titre d'origine")
    assert "Titre d&#x27;origine" in client.get("/initiatives/").content.decode()
    initiative.title = "Titre corrigé"
    initiative.save()
    html = client.get("/initiatives/").content.decode()
    assert "Titre corrigé" in html and "origine" not in html


def test_publishing_changes_the_next_anonymous_response(client, make_initiative):
    draft = make_initiative("Nouvelle initiative", state=PublicationState.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "Nouvelle initiative" not in client.get("/").content.decode()
    draft.set_publication_state(PublicationState.PUBLISHED)
    draft.save()
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert "Nouvelle initiative" in client.get("/").content.decode()


def test_changing_links_invalidates_too(client, make_initiative, make_territory):
    initiative = make_initiative("Formation à Corbeny")
    place = make_territory("Corbeny")
    assert "Formation à Corbeny" not in client.get(place.get_absolute_url()).content.decode()
    initiative.territories.add(place)
    assert "Formation à Corbeny" in client.get(place.get_absolute_url()).content.decode()


def test_unpublishing_removes_the_page_at_once(client, make_initiative):
    initiative = make_initiative("Bientôt retirée")
    assert client.get(initiative.get_absolute_url()).status_code == 200
    initiative.set_publication_state(PublicationState.ARCHIVED)
    initiative.save()
    assert client.get(initiative.get_absolute_url()).status_code == 404


def test_staff_always_get_fresh_pages_and_never_fill_the_cache(client, writer, make_initiative):
    draft = make_initiative("Brouillon", state=PublicationState.DRAFT)
    client.force_login(writer)
    assert client.get(draft.get_absolute_url()).status_code == 200
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_errors_and_variants_are_kept_apart(client, make_initiative):
    make_initiative("Visible", kind="network")
    make_initiative("Autre", kind="project")
    assert client.get("/initiatives/?type=licorne").status_code == 400
    assert client.get("/initiatives/?type=licorne").status_code == 400

    def shown(query):
        return [initiative.title for initiative in client.get(query).context["page"].object_list]

    # Each value of a repeated parameter is part of the page's key.
    assert shown("/initiatives/?type=network") == ["Visible"]
    assert shown("/initiatives/?type=network&type=project") == ["Autre", "Visible"]
    assert client.get("/initiatives/?type=network")["X-Registre-Cache"] == "hit"
    assert client.get("/initiatives/?type=network&type=project")["X-Registre-Cache"] == "hit"


def test_cached_pages_keep_every_security_header(client, make_initiative):
    make_initiative()
    client.get("/", HTTP_X_FORWARDED_PROTO="https")
    cached = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert "default-src 'none'" in cached["Content-Security-Policy"]
    assert "max-age=" in cached["Strict-Transport-Security"]
    assert cached["Permissions-Policy"]


def test_facet_counts_are_shared_between_pages_and_follow_every_change(
    client, make_initiative, make_territory
):
    place = make_territory("Corbeny")
    for number in range(3):
        make_initiative(f"Atelier {number}").territories.add(place)

    visits = iter(range(100))

    def corbeny_count(url):
        response = client.get(f"{url}&visit={next(visits)}")  # never the cached page
        [territories] = [
            facet for facet in response.context["facets"] if facet.name == "territoire"
        ]
        return {option.label: option.count for option in territories.options}.get("Corbeny", 0)

    _response, first = queries_for(client, "/initiatives/?de=1990&tri=titre")
    # Another sort is another page, with the same counts, from this process's cache: the
    # counting query is not run again, nor are the two trees' shapes read again (kept under
    # the pages' version).
    _response, again = queries_for(client, "/initiatives/?de=1990&tri=maj")
    assert again == first - 3
    # Another process (an empty local cache) finds them in the shared cache: no counting.
    caches["local"].clear()
    _response, elsewhere = queries_for(client, "/initiatives/?de=1990&tri=debut")
    assert elsewhere == first - 3
    assert corbeny_count("/initiatives/?de=1990&tri=maj") == 3
    make_initiative("Atelier 3", state=PublicationState.DRAFT).territories.add(place)
    assert corbeny_count("/initiatives/?de=1990&tri=maj") == 3  # a draft counts nowhere
    hidden = make_initiative("Atelier 4")
    hidden.territories.add(place)
    assert corbeny_count("/initiatives/?de=1990&tri=maj") == 4
    assert corbeny_count("/initiatives/?tri=maj") == 4  # unfiltered: the listing's totals
    hidden.set_publication_state(PublicationState.ARCHIVED)
    hidden.save()
    assert corbeny_count("/initiatives/?de=1990&tri=maj") == 3


def test_a_fragment_kept_as_it_is_follows_the_version_and_the_local_cache(make_initiative):
    computed = []

    def compute():
        computed.append(1)
        return {"nodes": len(computed)}

    first = remembered("as-is", "parts", compute, section="pages", as_is=True)
    # The object itself, not a copy unpickled from the local cache.
    assert remembered("as-is", "parts", compute, section="pages", as_is=True) is first
    make_initiative("Nouvelle")  # a committed public change: the pages' version moves on
    assert remembered("as-is", "parts", compute, section="pages", as_is=True) == {"nodes": 2}
    # Another process (an empty local cache) does not have it, and forgetting the local cache
    # forgets it: the shared cache answers, as for any fragment.
    again = remembered("as-is", "parts", compute, section="pages", as_is=True)
    caches["local"].clear()
    found = remembered("as-is", "parts", compute, section="pages", as_is=True)
    assert found == again and found is not again and len(computed) == 2
