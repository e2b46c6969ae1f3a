"""Property-based tests: whatever a visitor puts in a public URL, the answer is never a 5xx.

Hypothesis throws arbitrary query strings and path segments at the public pages, loaded with
the seed data so that valid slugs (and combinations of valid filters) hit real rows.
"""

import json
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.models import Involvement, Organisation, Person
from initiatives.models import Document, Initiative, Language, Territory, Theme
from portal.catalogue.filters import SORTS

pytestmark = pytest.mark.django_db

FUZZED = {"requests": 0}


# The seed data, read from the fixtures so that strategies can be built at import time ---------


def _seed():
    slugs, drafts, titles = {}, set(), []
    for path in sorted((django_settings.BASE_DIR / "fixtures").glob("*.json")):
        for row in json.loads(path.read_text()):
            fields = row["fields"]
            if "slug" in fields:
                slugs.setdefault(row["model"], []).append(fields["slug"])
                if fields.get("publication_state", "published") != "published":
                    drafts.add(fields["slug"])
            if row["model"] == "initiatives.initiative":
                titles.append(fields["title"])
    return slugs, drafts, titles


SEED_SLUGS, SEED_DRAFTS, SEED_TITLES = _seed()
THEMES = SEED_SLUGS["initiatives.theme"]
TERRITORIES = SEED_SLUGS["initiatives.territory"]
ORGANISATIONS = SEED_SLUGS["actors.organisation"]  # the draft one included
WORDS = sorted({word for title in SEED_TITLES for word in title.split() if len(word) > 3})


# Strategies ----------------------------------------------------------------------------------

SYNTAX = ["'", '"', "&", "|", "!", ":*", "<->", "<2>", "(", ")", "\\", "%", "_", "--", ";", "*"]
SQLISH = [
    "' OR 1=1 --",
    "'; DROP TABLE initiatives_initiative; --",
    '" OR ""="',
    "économie & !circulaire",
    "a:* | b:*",
    "(club <-> noé)",
    "!!!",
    "&&&|||",
    "'\\'",
    "\\",
    ":*",
    "-",
    "- - -",
    "OR",
    '"',
    '"unterminated',
    "%",
    "_",
    "\x00",
    "a\x00b",
    "2020\x00",
]

nasty = st.one_of(
    st.text(),
    st.text(max_size=5).map(lambda text: text + "\x00" + text),
    st.just("x" * 10_000),
    st.just("é" * 10_000),
    st.just("9" * 50),
    st.just("-" + "9" * 50),
    st.integers().map(str),
    st.integers(min_value=-10_000, max_value=-1).map(str),
    st.floats().map(str),  # nan, inf, -0.0, 1e+300…
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e3", "2.0e3", "2e2100", "0x7e0", "٢٠٢٠"]),
    st.decimals(min_value=1900, max_value=2100, allow_nan=False).map(str),  # "2000.5", "2.0E+3"
    st.sampled_from(SQLISH),
    st.lists(st.sampled_from(SYNTAX + WORDS[:20]), max_size=8).map(" ".join),
    st.lists(st.sampled_from(SYNTAX), max_size=8).map("".join),
)

years = st.integers(min_value=1890, max_value=2110).map(str)
pages = st.one_of(st.integers(min_value=-3, max_value=5).map(str), st.just("999999999"))

INDEX_VALUES = {
    "q": st.one_of(st.sampled_from(WORDS), st.just("econmie")),
    "thematique": st.sampled_from(THEMES),
    "territoire": st.sampled_from(TERRITORIES),
    "type": st.sampled_from(Initiative.Kind.values),
    "statut": st.sampled_from(Initiative.Status.values),
    "acteur": st.sampled_from(ORGANISATIONS),
    "role": st.sampled_from(Involvement.Role.values),
    "de": years,
    "a": years,
    "tri": st.sampled_from(list(SORTS)),
    "page": pages,
}
DOCUMENT_VALUES = {
    "type": st.sampled_from(Document.Kind.values),
    "langue": st.sampled_from(Language.values),
    "page": pages,
}
ACTOR_VALUES = {"type": st.sampled_from(Organisation.Kind.values), "page": pages}
SEARCH_VALUES = {"q": st.one_of(st.sampled_from(WORDS), st.sampled_from(["econmie", "club noe"]))}


def params(valid):
    """One (name, value) pair: a known parameter with a valid or nasty value, or an unknown one."""
    known = [st.tuples(st.just(name), st.one_of(values, nasty)) for name, values in valid.items()]
    unknown = st.tuples(
        st.one_of(st.text(max_size=12), st.sampled_from(["", "page[]", "q "])), nasty
    )
    return st.one_of(*known, unknown)


def queries(valid, max_size=10):
    """A list of pairs, repeated names included; sent as a dict or as a raw query string."""
    return st.tuples(st.lists(params(valid), max_size=max_size), st.booleans(), st.booleans())


def fuzz_settings(examples):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,  # no .hypothesis/ directory in the checkout
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Sending requests ----------------------------------------------------------------------------


def fetch(client, path, data=None, **headers):
    """GET, counting it; a database error rolls back to a savepoint so the next example runs."""
    FUZZED["requests"] += 1
    with transaction.atomic():
        response = client.get(path, data, headers=headers)
    assert response.status_code < 500, (path, data)
    return response


def grouped(pairs):
    values = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values


def send(client, path, query):
    pairs, raw, fetch_header = query
    grouped_values = grouped(pairs)
    headers = {"X-Requested-With": "fetch"} if fetch_header else {}  # the in-place update
    if raw:
        return fetch(client, f"{path}?{urlencode(grouped_values, doseq=True)}", **headers)
    data = {name: values[-1] for name, values in grouped_values.items()}
    return fetch(client, path, data, **headers)


# Query strings -------------------------------------------------------------------------------


@fuzz_settings(200)
@given(query=queries(INDEX_VALUES))
def test_initiative_index_never_fails_whatever_the_query(client, demo_data, query):
    response = send(client, "/initiatives/", query)
    assert response.status_code in (200, 400)


@fuzz_settings(100)
@given(filters=st.fixed_dictionaries({}, optional=INDEX_VALUES))
def test_initiative_index_answers_200_to_any_combination_of_valid_filters(
    client, demo_data, filters
):
    response = fetch(client, "/initiatives/", filters)
    first, last = filters.get("de"), filters.get("a")
    out_of_range = any(year is not None and not 1900 <= int(year) <= 2100 for year in (first, last))
    reversed_period = first is not None and last is not None and int(first) > int(last)
    acteur_is_draft = filters.get("acteur") in SEED_DRAFTS
    expected = 400 if (out_of_range or reversed_period or acteur_is_draft) else 200
    assert response.status_code == expected, filters


@fuzz_settings(150)
@given(query=queries(SEARCH_VALUES, max_size=4))
def test_search_never_fails_whatever_the_query(client, demo_data, query):
    response = send(client, "/recherche/", query)
    assert response.status_code in (200, 400)


@fuzz_settings(150)
@given(query=queries(DOCUMENT_VALUES, max_size=6))
def test_document_index_never_fails_whatever_the_query(client, demo_data, query):
    response = send(client, "/documents/", query)
    assert response.status_code in (200, 400)


@fuzz_settings(150)
@given(query=queries(ACTOR_VALUES, max_size=6))
def test_actor_index_never_fails_whatever_the_query(client, demo_data, query):
    response = send(client, "/acteurs/", query)
    assert response.status_code in (200, 400)


@fuzz_settings(50)
@given(query=queries({}, max_size=4))
def test_agenda_ignores_any_query(client, demo_data, query):
    pairs, raw, _ = query
    # What `send` puts in the URL: every pair when raw, else the last value of each name.
    sent = pairs if raw else [(name, values[-1]) for name, values in grouped(pairs).items()]
    has_nul = any("\x00" in name + value for name, value in sent)
    # Any query is ignored, but a NUL byte in the address is refused before the view.
    assert send(client, "/agenda/", query).status_code == (400 if has_nul else 200)


# Path segments -------------------------------------------------------------------------------

RECORD_PAGES = {
    "/initiatives/": lambda: Initiative.objects.published(),
    "/territoires/": lambda: Territory.objects.all(),
    "/thematiques/": lambda: Theme.objects.all(),
    "/documents/": lambda: Document.objects.published(),
    "/acteurs/organisations/": lambda: Organisation.objects.published(),
    "/acteurs/personnes/": lambda: Person.objects.published(),
}
ALL_SLUGS = sorted({slug for slugs in SEED_SLUGS.values() for slug in slugs})

segments = st.one_of(
    nasty,
    st.sampled_from(ALL_SLUGS),
    st.sampled_from(ALL_SLUGS).map(str.upper),
    st.sampled_from(ALL_SLUGS).map(lambda slug: slug + "\n"),
    st.sampled_from(ALL_SLUGS).map(lambda slug: slug + "/extra"),
    st.sampled_from([".", "..", "", "/", "%00", "%2F", "a" * 201, "-", "_"]),
    st.from_regex(r"[-a-zA-Z0-9_]{1,300}", fullmatch=True),
)


@fuzz_settings(300)
@given(prefix=st.sampled_from(sorted(RECORD_PAGES)), segment=segments)
def test_a_record_page_is_found_or_404_never_500(client, demo_data, prefix, segment):
    response = fetch(client, f"{prefix}{quote(segment, safe='')}/")
    if "\x00" in segment:  # refused before any view
        assert response.status_code == 400, (prefix, segment)
        return
    exists = RECORD_PAGES[prefix]().filter(slug=segment).exists()
    assert response.status_code == (200 if exists else 404), (prefix, segment)


# Specific behaviours -------------------------------------------------------------------------


def test_a_page_number_past_the_end_gives_the_last_page(client, demo_data, make_initiative):
    for _ in range(25):
        make_initiative()
    response = client.get("/initiatives/", {"page": "999999999"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.num_pages > 1
    assert page.number == page.paginator.num_pages


def test_a_page_that_is_not_a_number_gives_the_first_page(client, demo_data):
    response = client.get("/initiatives/", {"page": "abc"})
    assert response.status_code == 200
    assert response.context["page"].number == 1


def nul_case(path, name):
    return pytest.param(path, name, 400, id=path + name)


@pytest.mark.parametrize(
    ("path", "name", "status"),
    [
        nul_case("/initiatives/", "q"),
        nul_case("/recherche/", "q"),
        nul_case("/initiatives/", "thematique"),
        nul_case("/initiatives/", "territoire"),
        nul_case("/initiatives/", "acteur"),
        nul_case("/initiatives/", "type"),
        nul_case("/initiatives/", "statut"),
        nul_case("/initiatives/", "role"),
        nul_case("/initiatives/", "de"),
        nul_case("/initiatives/", "a"),
        nul_case("/initiatives/", "tri"),
        nul_case("/initiatives/", "page"),
        nul_case("/documents/", "type"),
        nul_case("/documents/", "langue"),
        nul_case("/documents/", "page"),
        nul_case("/acteurs/", "type"),
        nul_case("/acteurs/", "page"),
    ],
)
def test_a_nul_byte_is_refused_and_never_echoed(client, demo_data, path, name, status):
    response = client.get(path, {name: "économie\x00circulaire"})
    assert response.status_code == status
    assert b"\x00" not in response.content


def test_a_reversed_period_is_refused_in_french(client, demo_data):
    response = client.get("/initiatives/", {"de": "2020", "a": "2010"})
    assert response.status_code == 400
    assert "La fin de la période précède son début." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"de": "2000.5"}, 400),
        ({"de": "2E3"}, 400),
        ({"a": "1999.5"}, 400),
        ({"de": "2000.0"}, 200),  # a whole number written with a decimal point is that year
        ({"a": "2010.00"}, 200),
    ],
    ids=lambda value: urlencode(value) if isinstance(value, dict) else str(value),
)
def test_a_year_with_a_fraction_is_refused_not_a_server_error(client, demo_data, query, status):
    # Found by the fuzzing: "2000.5" reached the partial-date comparison and raised a 500.
    response = client.get("/initiatives/", query)
    assert response.status_code == status
    if status == 400:
        assert "nombre entier" in response.content.decode()


@pytest.mark.parametrize("name", ["thematique", "territoire", "acteur"])
def test_a_nul_byte_in_a_facet_filter_is_refused_not_a_server_error(client, demo_data, name):
    # Found by the fuzzing: the facets queried the raw value, and PostgreSQL refuses a NUL byte.
    response = client.get("/initiatives/", {name: "\x00"})
    assert response.status_code == 400


def test_the_fuzzing_sent_many_requests():
    """Last of the module: how many requests the properties above sent (visible with -s)."""
    if not FUZZED["requests"]:
        pytest.skip("the fuzz tests of this module did not run")
    print(f"\n{FUZZED['requests']} fuzzed requests")
    assert FUZZED["requests"] >= 1000
