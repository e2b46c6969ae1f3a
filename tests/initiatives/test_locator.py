"""Locators: a record's territories on a small map of the five départements — communes inside
their département's coarse outline, ancestors drawn for what has no outline, sizes bounded."""

import math
import re

import pytest
from django.template.loader import render_to_string

from initiatives.boundaries import boundaries
from initiatives.locator import MAX_DOTS, NEAR, ON, TOLERANCE, Note, locator
from initiatives.models import Territory

NORD_PAS_DE_CALAIS = {"kind": "former_region", "code": "31", "name": "Nord-Pas-de-Calais"}


def place(name, kind, code="", ancestor=None):
    territory = Territory(name=name, kind=kind, code=code)
    territory.outlined_ancestor = ancestor
    return territory


def polygon_rings(path):
    """The rings of one of our paths (absolute start, relative whole steps), in tenths."""
    rings = []
    for start, steps in re.findall(r"M(-?\d+ -?\d+)l([^Mz]*)z", path):
        x, y = map(int, start.split())
        ring = [(x, y)]
        numbers = list(map(int, steps.split()))
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            ring.append((x, y))
        rings.append(ring)
    return rings


def inside(rings, x, y):
    hit = False
    for ring in rings:
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                hit = not hit
    return hit


def department_rings(drawn):
    return {shape.code: polygon_rings(shape.path) for shape in drawn.departments}


@pytest.mark.parametrize(
    ("code", "department"),
    [("80021", "80"), ("60057", "60"), ("02219", "02"), ("62498", "62"), ("59350", "59")],
)
def test_a_commune_is_a_dot_inside_its_departement_on_the_coarse_outline(code, department):
    drawn = locator([place("Commune", "commune", code)])
    ((x, y),) = drawn.dots[ON]
    rings = department_rings(drawn)
    assert [c for c, r in rings.items() if inside(r, x, y)] == [department]
    assert [shape.state for shape in drawn.departments] == [""] * 5  # only the dot coloured


def distance_to_outline(rings, x, y):
    best = float("inf")
    for ring in rings:
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
            dx, dy = x1 - x0, y1 - y0
            t = max(0, min(1, ((x - x0) * dx + (y - y0) * dy) / ((dx * dx + dy * dy) or 1)))
            best = min(best, math.hypot(x - x0 - t * dx, y - y0 - t * dy))
    return best


def test_every_commune_of_the_region_lands_in_its_own_departement():
    """Its dot inside the coarse outline, or a border commune off it by no more than the
    simplification's tolerance (and a tenth of rounding)."""
    communes = boundaries().of_kind("commune")
    rings = department_rings(locator([place("Amiens", "commune", "80021")]))
    outside = {}
    for commune in communes:
        (dot,) = locator([place(commune.name, "commune", commune.code)]).dots[ON]
        own = rings[commune.parents["department"]]
        if not inside(own, *dot):
            outside[commune.code] = distance_to_outline(own, *dot)
    assert len(outside) / len(communes) < 0.02, outside
    assert max(outside.values()) <= TOLERANCE * 10 + 1, outside


def test_a_territory_without_outline_is_shown_through_its_nearest_outlined_ancestor():
    drawn = locator([place("Bassin Minier", "basin", ancestor=NORD_PAS_DE_CALAIS)])
    states = {shape.code: shape.state for shape in drawn.departments}
    assert states == {"02": "", "59": NEAR, "60": "", "62": NEAR, "80": ""}
    assert drawn.names == ["Nord-Pas-de-Calais"]
    assert drawn.notes == [Note("Bassin Minier", "Nord-Pas-de-Calais")]
    # The territory itself wins over an ancestor shown for another one.
    both = locator(
        [
            place("Nord", "department", "59"),
            place("Bassin Minier", "basin", ancestor=NORD_PAS_DE_CALAIS),
        ]
    )
    assert [shape.state for shape in both.departments] == ["", ON, "", NEAR, ""]


def test_a_place_under_a_commune_is_its_communes_dot_in_the_lighter_colour():
    amiens = {"kind": "commune", "code": "80021", "name": "Amiens"}
    drawn = locator([place("Espace Industriel Nord", "place", ancestor=amiens)])
    assert list(drawn.dots) == [NEAR] and len(drawn.dots[NEAR]) == 1
    assert drawn.notes == [Note("Espace Industriel Nord", "Amiens")]
    # Named too, Amiens is drawn once, as itself.
    espace = place("Espace Industriel Nord", "place", ancestor=amiens)
    both = locator([espace, place("Amiens", "commune", "80021")])
    assert list(both.dots) == [ON] and len(both.dots[ON]) == 1 and both.names == ["Amiens"]


def test_a_record_without_territory_or_outline_is_said_not_located():
    assert locator([]) is None
    france = locator([place("France", "country")])
    assert not france.drawn and france.notes == [Note("France", None)]
    html = render_to_string("includes/locator.html", {"locator": france})
    assert "<svg" not in html and "France\u202f: pas de contour dans nos données." in html
    html = render_to_string("includes/locator.html", {"locator": None})
    assert "Lieu non renseigné." in html and "<figure" not in html


def test_the_picture_is_small_whatever_the_territories():
    data = boundaries()
    widest = max(data.of_kind("intercommunality"), key=lambda area: len(str(area.rings)))
    cases = {
        "region": [place("Hauts-de-France", "region", "32")],
        "a commune": [place("Amiens", "commune", "80021")],
        "the widest intercommunalité": [place(widest.name, "intercommunality", widest.code)],
        "five intercommunalités and forty communes": [
            place(area.name, area.kind, area.code)
            for area in data.of_kind("intercommunality")[:5] + data.of_kind("commune")[:40]
        ],
    }
    cases["every commune of the region"] = [
        place(area.name, area.kind, area.code) for area in data.of_kind("commune")
    ]
    sizes = {
        name: len(render_to_string("includes/locator.html", {"locator": locator(places)}).encode())
        for name, places in cases.items()
    }
    assert all(size < 8_000 for size in sizes.values()), sizes
    assert sizes["a commune"] < 6_000, sizes
    every = locator(cases["every commune of the region"])
    assert (
        len(every.dots[ON]) == MAX_DOTS
        and every.more == len(cases["every commune of the region"]) - MAX_DOTS
    )
    assert (
        len(every.names) == MAX_DOTS
    )  # the label names what is drawn; the caption counts the rest
    assert [shape.state for shape in every.departments] == [NEAR] * 5
    svg = render_to_string("includes/locator.html", {"locator": locator(cases["region"])})
    assert "style=" not in svg and 'class="map-locator"' in svg and "," not in svg.split("d=")[1]


@pytest.mark.django_db
def test_the_outlined_ancestor_comes_with_the_territory_in_one_query(
    make_territory, django_assert_num_queries
):
    region = make_territory("Hauts-de-France", Territory.Kind.REGION, code="32")
    former = make_territory("Picardie", Territory.Kind.FORMER_REGION, code="22", parent=region)
    somme = make_territory("Somme", Territory.Kind.DEPARTMENT, code="80", parent=former)
    bay = make_territory("Baie de Somme", Territory.Kind.PLACE, parent=somme)
    pays = make_territory("Pays sans code", Territory.Kind.PAYS, parent=former)
    spot = make_territory("Lieu-dit", Territory.Kind.PLACE, parent=pays)
    make_territory("Commune sans code", Territory.Kind.COMMUNE, parent=somme)
    with django_assert_num_queries(1):
        found = {
            t.name: t.outlined_ancestor
            for t in Territory.objects.filter(
                pk__in=[region.pk, bay.pk, spot.pk]
            ).with_outlined_ancestor()
        }
    assert found == {
        "Hauts-de-France": None,
        "Baie de Somme": {"kind": "department", "code": "80", "name": "Somme"},
        "Lieu-dit": {"kind": "former_region", "code": "22", "name": "Picardie"},  # two steps
    }
