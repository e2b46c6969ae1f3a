"""Keyset pagination of the API's lists: `next` and `previous` links carry a signed cursor
naming a place in the list's order; they stay right whatever is published meanwhile, a bad or
foreign cursor is a 400 in French, and page numbers still serve the first 10,000 results."""

import pytest
from django.core import signing
from django.urls import reverse

from initiatives.models import Initiative, PublicationState, Theme
from portal.opendata.api import cursors
from tests.portal.test_api import LIST_QUERIES, crowd, follow, get_json  # noqa: F401

pytestmark = pytest.mark.django_db


def slugs(data):
    return [item["slug"] for item in data["results"]]


@pytest.fixture
def themes():
    return [
        Theme.objects.create(name=f"Thème {number:02d}", slug=f"theme-{number:02d}")
        for number in range(25)
    ]


def test_a_link_leads_to_the_same_place_whatever_is_published_meanwhile(client, themes):
    url = reverse("api_themes")
    first = get_json(client, url, page_size=10)
    assert first["next"] == get_json(client, url, page_size=10)["next"]  # the same link
    Theme.objects.create(name="Thème 00 bis", slug="theme-00-bis")  # before the cursor
    second = follow(client, first["next"])
    assert slugs(second) == [f"theme-{n:02d}" for n in range(10, 20)]
    Theme.objects.get(slug="theme-03").delete()
    assert slugs(follow(client, first["next"])) == slugs(second)
    assert second["count"] == 26  # the count is the list's at the time
    back = follow(client, second["previous"])
    before = ["theme-00", "theme-00-bis", "theme-01", "theme-02"]
    assert slugs(back) == before + [f"theme-{n:02d}" for n in range(4, 10)]
    assert back["previous"] is None


def test_walking_forward_and_back_gives_every_record_once(client, themes):
    url = reverse("api_themes")
    data, seen = get_json(client, url, page_size=7), []
    while True:
        seen += slugs(data)
        if data["next"] is None:
            break
        data = follow(client, data["next"])
    assert seen == [f"theme-{n:02d}" for n in range(25)]
    backwards = []
    while data["previous"] is not None:
        data = follow(client, data["previous"])
        backwards = slugs(data) + backwards
    assert backwards == seen[: len(backwards)] and len(backwards) == 21  # 3 pages of 7


def test_a_withdrawn_initiative_never_shows_on_a_cursor_page(client, make_initiative):
    made = [make_initiative(f"Titre {number:02d}") for number in range(6)]
    first = get_json(client, reverse("api_initiatives"), page_size=3)
    made[4].publication_state = PublicationState.DRAFT
    made[4].save()
    second = follow(client, first["next"])
    assert slugs(second) == [made[3].slug, made[5].slug]
    assert second["count"] == 5 and second["next"] is None


def test_a_filtered_count_is_kept_until_the_registry_changes(client, make_initiative):
    made = [make_initiative(status="done") for _ in range(3)]
    url = reverse("api_initiatives")
    assert get_json(client, url, statut="done")["count"] == 3
    made[0].publication_state = PublicationState.DRAFT
    made[0].save()
    assert get_json(client, url, statut="done")["count"] == 2


@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "x" * 500,
        "eyJzIjoiMSJ9:forged",
        "%00",
        signing.Signer(salt="other").sign_object({"s": "", "f": True, "v": ["a", 1]}),
    ],
)
def test_a_garbled_or_forged_cursor_is_a_400_in_french(client, themes, cursor):
    data = get_json(client, reverse("api_themes"), status=400, cursor=cursor)
    assert list(data["errors"]) == ["cursor"]
    assert data["errors"]["cursor"][0] in (cursors.INVALID, "Le caractère nul n'est pas permis.")


def test_a_signed_cursor_of_the_wrong_shape_is_a_400(client, themes, rf):
    request = rf.get(reverse("api_themes"))
    for values in (["a"], ["a", "b"], [None, 1], "a", [["a"], 1], ["a", True], ["a", 1.5]):
        cursor = cursors.signer().sign_object({"s": cursors.scope(request), "f": True, "v": values})
        data = get_json(client, reverse("api_themes"), status=400, cursor=cursor)
        assert data["errors"] == {"cursor": [cursors.INVALID]}


def test_a_cursor_serves_only_the_list_and_filters_it_was_made_for(client, make_initiative):
    for status in ("done", "done", "done", "ongoing"):
        make_initiative(status=status)
    url = reverse("api_initiatives")
    link = get_json(client, url, statut="done", page_size=1)["next"]
    cursor = link.split("cursor=")[1].replace("%3A", ":")
    assert get_json(client, url, statut="done", page_size=2, cursor=cursor)["count"] == 3
    for other in ({}, {"statut": "ongoing"}, {"statut": "done", "tri": "maj"}):
        data = get_json(client, url, status=400, cursor=cursor, **other)
        assert data["errors"] == {"cursor": [cursors.FOREIGN]}
    data = get_json(client, reverse("api_organisations"), status=400, cursor=cursor)
    assert data["errors"] == {"cursor": [cursors.FOREIGN]}


def test_page_and_cursor_do_not_combine(client, themes):
    link = get_json(client, reverse("api_themes"))["next"]
    cursor = link.split("cursor=")[1].replace("%3A", ":")
    data = get_json(client, reverse("api_themes"), status=400, cursor=cursor, page=2)
    assert data["errors"] == {"cursor": [cursors.WITH_PAGE]}


def test_page_numbers_stop_at_ten_thousand_results(client, themes):
    get_json(client, reverse("api_themes"), status=404, page=100, page_size=100)  # allowed
    for page, size in ((101, 100), (501, 20), (10_001, 1)):
        data = get_json(client, reverse("api_themes"), status=400, page=page, page_size=size)
        assert data["errors"] == {"page": [cursors.TOO_DEEP]}
        assert "\u202f" in cursors.TOO_DEEP and "10\u202f000" in cursors.TOO_DEEP


@pytest.mark.usefixtures("crowd")
class TestOnACrowd:
    @pytest.mark.parametrize("name", LIST_QUERIES)
    def test_a_cursor_page_costs_the_queries_of_the_first(
        self, client, django_assert_num_queries, name
    ):
        link = get_json(client, reverse(name), page_size=2)["next"]
        path, _, query = link.removeprefix("http://testserver").partition("?")
        with django_assert_num_queries(LIST_QUERIES[name]):
            response = client.get(f"{path}?{query}")
        assert response.status_code == 200 and len(response.json()["results"]) == 2


@pytest.mark.parametrize("tri", ["titre", "maj", "debut", "pertinence"])
def test_every_order_walks_both_ways_with_ties_and_unknown_dates(client, make_initiative, tri):
    for number in range(9):
        make_initiative(
            f"Énergie {number % 3}",  # equal sort keys, broken by id
            start=None if number % 4 == 0 else f"20{10 + number % 2}",
            summary="énergie " * (number % 3 + 1),
        )
    url = reverse("api_initiatives")
    params = {"tri": tri, **({"q": "énergie"} if tri == "pertinence" else {})}
    expected = slugs(get_json(client, url, page_size=100, **params))
    assert len(expected) == 9
    data, seen = get_json(client, url, page_size=2, **params), []
    while True:
        seen += slugs(data)
        if data["next"] is None:
            break
        data = follow(client, data["next"])
    assert seen == expected
    back = []
    while data["previous"] is not None:
        data = follow(client, data["previous"])
        back = slugs(data) + back
    assert back == expected[: len(back)] and len(back) == 8
    assert Initiative.objects.count() == 9


def test_the_api_page_tells_of_cursors_and_the_last_page_number(client):
    text = client.get(reverse("api")).content.decode()
    assert "<code>cursor</code>" in text and "10\u202f000 premiers résultats" in text
    assert "jusqu'à la page 500 avec 20 résultats par page" in text
