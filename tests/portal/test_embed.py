"""Embedding a filtered list on a partner's site: the "Intégrer" page, the embed routes (the
only pages that may be framed), their cookies, cache, filters and refusals."""

import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User

from initiatives.models import Initiative, PublicationState
from portal.cache import CACHE_HEADER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

EMBED = "/integrer/initiatives/"
BUILDER = "/initiatives/integrer/"
FILTERED = {"thematique": "economie-circulaire", "territoire": "hauts-de-france"}


def policy(response):
    return response.headers["Content-Security-Policy"]


def frame_ancestors(response):
    return re.search(r"frame-ancestors ([^;]*)", policy(response)).group(1).strip()


@pytest.mark.parametrize("query", ["", urlencode(FILTERED), "theme=neutre&page=1"])
def test_embeds_may_be_framed_by_any_site_even_from_the_cache(client, query):
    for visit in ("miss", "hit"):
        response = client.get(f"{EMBED}?{query}")
        assert response.status_code == 200
        assert response.headers[CACHE_HEADER] == visit
        assert frame_ancestors(response) == "*"
        assert "X-Frame-Options" not in response.headers
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert "default-src 'none'" in policy(response)  # the rest of the policy is kept


def test_refused_embeds_may_be_framed_too(client):
    # A partner whose link went stale sees the reason inside their page, not a blank frame.
    response = client.get(EMBED, {"couleur": "rose"})
    assert response.status_code == 400
    assert frame_ancestors(response) == "*"


def test_the_sites_allowed_to_frame_embeds_are_configurable(client, settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://partenaire.example", "https://ademe.example"]
    response = client.get(EMBED)
    assert frame_ancestors(response) == "https://partenaire.example https://ademe.example"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/initiatives/",
        "/initiatives/?" + urlencode(FILTERED),
        BUILDER,
        BUILDER + "?" + urlencode(FILTERED),
        "/initiatives/transformation-ecologique-et-sociale-de-la-region/",
        "/recherche/?q=eau",
        "/agenda/",
        "/admin/login/",
        "/initiatives/pas-de-fiche/",
    ],
)
def test_every_other_page_refuses_to_be_framed(client, url):
    for _visit in ("miss", "hit"):
        response = client.get(url)
        assert frame_ancestors(response) == "'none'", url
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert response.headers.get("Cross-Origin-Resource-Policy") == "same-origin", url


def test_embeds_set_no_cookie_and_do_not_vary_on_it(client):
    anonymous = client.get(EMBED, FILTERED)
    staff = User.objects.create_user("agent", is_staff=True)
    client.force_login(staff)  # a staff member's browser sends the session cookie
    logged_in = client.get(EMBED, FILTERED)
    for response in (anonymous, logged_in):
        assert response.status_code == 200
        assert not response.cookies
        assert "Set-Cookie" not in response.headers
        assert "cookie" not in response.headers.get("Vary", "").lower()
    assert anonymous.content == logged_in.content  # nobody sees a different embed


def titles(response):
    return [initiative.title for initiative in response.context["page"].object_list]


@pytest.mark.parametrize(
    "query",
    [
        {},
        FILTERED,
        {"statut": "ongoing", "tri": "debut"},
        {"q": "économie circulaire"},
        {"territoire": "picardie", "de": 2015},
    ],
)
def test_embeds_list_what_the_index_lists(client, query):
    index = client.get("/initiatives/", query)
    embed = client.get(EMBED, query)
    assert embed.status_code == index.status_code == 200
    assert titles(embed) == titles(index)
    assert embed.context["page"].paginator.count == index.context["page"].paginator.count


def test_filters_narrow_the_embed_and_are_named_in_its_title(client):
    everything = client.get(EMBED).context["page"].paginator.count
    filtered = client.get(EMBED, FILTERED)
    assert 0 < filtered.context["page"].paginator.count < everything
    html = filtered.content.decode()
    assert "<title>Initiatives\u202f: Économie circulaire, Hauts-de-France" in html


def test_embeds_never_show_unpublished_records(client):
    draft = Initiative.objects.get(publication_state=PublicationState.DRAFT)
    for query in (
        {},
        {"thematique": draft.themes.first().slug},
        {"territoire": draft.territories.first().slug},
        {"q": "Brouillon préparation"},
    ):
        response = client.get(EMBED, query)
        html = response.content.decode()
        assert draft.title not in titles(response), query
        assert draft.title not in html and draft.get_absolute_url() not in html, query
    assert draft.title not in client.get(BUILDER).content.decode()


def test_embeds_are_paginated_and_keep_their_filters(client, make_initiative):
    for number in range(25):
        make_initiative(f"Programme {number}")
    first = client.get(EMBED, {"theme": "neutre"})
    assert first.context["page"].has_next()
    html = first.content.decode()
    assert 'href="?theme=neutre&amp;page=2" rel="next"' in html
    second = client.get(EMBED, {"theme": "neutre", "page": 2})
    assert second.context["page"].number == 2
    assert not set(titles(first)) & set(titles(second))


def test_embeds_have_no_chrome_and_open_links_in_the_whole_window(client):
    response = client.get(EMBED, FILTERED)
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert html.count("<h1") == 1 and "<h2" in html
    for chrome in ("site-header", "site-footer", "skip-link", "site-nav"):
        assert chrome not in html
    links = re.findall(r"<a [^>]*>", html)
    pages = [link for link in links if 'rel="next"' in link or 'rel="prev"' in link]
    others = [link for link in links if link not in pages]
    assert others and all('target="_top"' in link for link in others), others
    full_list = "http://testserver/initiatives/?" + urlencode(FILTERED).replace("&", "&amp;")
    assert f'href="{full_list}" target="_top"' in html  # back to the whole list


def test_the_neutral_theme_is_a_class_of_the_page(client):
    assert 'class="embed embed--neutre"' in client.get(EMBED, {"theme": "neutre"}).content.decode()
    assert 'class="embed embed--registre"' in client.get(EMBED).content.decode()


@pytest.mark.parametrize("url", [EMBED, BUILDER])
@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"couleur": "rose"}, "Paramètre inconnu"),
        ({"thematique": "economie-circulaire", "utm_source": "x"}, "utm_source"),
        ({"theme": "rose"}, "Apparence inconnue"),
        ({"thematique": "pas-de-theme"}, "ne correspond à aucun choix connu"),
        ({"de": "deux-mille"}, "Active entre"),
        ({"de": 2020, "a": 2010}, "La fin de la période précède son début"),
    ],
)
def test_unknown_or_invalid_parameters_are_refused_with_the_reason(client, url, query, reason):
    response = client.get(url, query)
    assert response.status_code == 400
    assert reason in response.content.decode()


def test_the_builder_takes_the_index_page_number_but_the_code_starts_at_the_first(client):
    # Its link on the index carries the index's parameters, the page too.
    response = client.get(BUILDER, {**FILTERED, "page": 2})
    assert response.status_code == 200
    assert "page=" not in response.context["snippets"]["script"]


def test_the_builder_gives_the_code_for_the_current_filters(client):
    response = client.get(BUILDER, {**FILTERED, "theme": "neutre"})
    assert response.status_code == 200
    html = response.content.decode()
    embed = "http://testserver/integrer/initiatives/?" + urlencode({**FILTERED, "theme": "neutre"})
    snippets = response.context["snippets"]
    assert f'src="{embed.replace("&", "&amp;")}"' in snippets["frame"]
    assert "<script" not in snippets["frame"]  # the JS-free version
    assert "data-registre-embed" in snippets["frame"] and 'height="640"' in snippets["frame"]
    assert (
        '<script src="http://testserver/static/js/embed.js" async></script>' in snippets["script"]
    )
    assert "<iframe" not in snippets["links"] and "<script" not in snippets["links"]
    first = response.context["page"].object_list[0]
    assert f'href="http://testserver{first.get_absolute_url()}"' in snippets["links"]
    # Shown escaped in read-only fields, and the frame itself as the preview.
    assert "&lt;iframe src=&quot;http://testserver/integrer/initiatives/?" in html
    assert html.count("<iframe ") == 1
    link = "http://testserver/initiatives/?" + urlencode(FILTERED)
    assert f'<input id="lien" type="url" readonly value="{link.replace("&", "&amp;")}">' in html
    assert "Copier le lien" in html and 'data-copy="lien"' in html
    # The preview frames our own embed: allowed on this page only.
    assert "frame-src 'self'" in policy(response)
    assert "frame-src" not in policy(client.get("/initiatives/"))


def test_the_builder_keeps_repeated_values_in_the_code(client):
    # Several values per filter (another part of issue 14) must survive in the snippet.
    response = client.get(
        BUILDER + "?thematique=economie-circulaire&thematique=nouveaux-modeles-economiques"
    )
    assert response.status_code == 200
    frame = response.context["snippets"]["frame"]
    assert "thematique=economie-circulaire&amp;thematique=nouveaux-modeles-economiques" in frame


def test_the_index_links_to_the_builder_with_its_filters(client):
    html = client.get("/initiatives/", FILTERED).content.decode()
    assert f'href="{BUILDER}?{urlencode(FILTERED).replace("&", "&amp;")}"' in html


@pytest.mark.parametrize(
    ("path", "corp"),
    [("/static/js/embed.js", "cross-origin"), ("/static/js/copy.js", "same-origin")],
)
def test_only_the_resizing_script_may_be_loaded_by_other_sites(client, settings, path, corp):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cross-Origin-Resource-Policy"] == corp
