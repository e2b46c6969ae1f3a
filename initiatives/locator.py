"""Locators: the small map on a record's page, the five départements of Hauts-de-France with
the record's territories in colour (`includes/locator.html` draws it).

A territory the boundaries outline (region, former region, département, intercommunalité,
commune) is drawn itself; a basin, a pays or a place is shown through its nearest outlined
ancestor, in a lighter colour, and the caption says so. The ancestor comes with the territory
(`Territory.outlined_ancestor()`, a subquery of the page's own query): no query here.

The base map is drawn coarsely, once per process: a locator only has to say where.
"""

from dataclasses import dataclass, field
from functools import cache, lru_cache

from initiatives.boundaries import Frame, boundaries

WIDTH = 32  # picture units across the region; paths are in tenths (a viewBox of 320)
TOLERANCE = 0.3  # units: under two pixels when the picture is 12rem wide
MARGIN = 0.5
DOT = 7  # a commune's dot, radius in tenths
ON, NEAR = "on", "near"  # the territory itself, or an ancestor that holds it
# Beyond these, an intercommunalité or a commune is shown by its département (lighter), so
# that a record naming hundreds of communes keeps a small picture.
MAX_SHAPES, MAX_DOTS = 12, 60


@dataclass
class Shape:
    code: str
    path: str
    state: str


@dataclass
class Note:
    """A territory without outline: its name, and the ancestor drawn instead (or None)."""

    name: str
    ancestor: str | None


@dataclass
class Locator:
    view_box: str
    departments: list  # [Shape]: every département, state "" when not coloured
    shapes: dict = field(default_factory=dict)  # {state: [path]}: intercommunalités, communes
    dots: dict = field(default_factory=dict)  # {state: [(x, y)]}: communes
    outlines: tuple = ()  # the former regions
    names: list = field(default_factory=list)  # what is in colour, in the record's order
    notes: list = field(default_factory=list)
    more: int = 0  # intercommunalités and communes shown by their département only
    radius: int = DOT

    @property
    def drawn(self):
        return bool(self.names)


def locator(territories):
    """The locator of a record's territories; None when the record names none."""
    territories = list(territories)
    if not territories:
        return None
    data = boundaries()
    frame, departments, paths, outlines = _base()
    states = dict.fromkeys(paths, "")
    result = Locator(
        view_box=f"0 0 {frame.width * 10} {round(frame.height * 10)}",
        departments=[],
        outlines=outlines,
    )
    wanted = {}  # (kind, code): (area, state, name), the territory itself before an ancestor
    for territory in territories:
        area = data.get(territory.kind, territory.code) if territory.code else None
        name, state = territory.name, ON
        if area is None:
            ancestor = getattr(territory, "outlined_ancestor", None) or {}
            area = ancestor and data.get(ancestor["kind"], ancestor["code"])
            result.notes.append(Note(territory.name, ancestor["name"] if area else None))
            if not area:
                continue
            name, state = ancestor["name"], NEAR
        if wanted.get((area.kind, area.code), (None, NEAR))[1] == NEAR:
            wanted[(area.kind, area.code)] = (area, state, name)
    for area, state, name in wanted.values():
        if _mark(result, states, area, state):
            result.names.append(name)
    result.departments = [Shape(code, paths[code], states[code]) for code in paths]
    return result


def _mark(result, states, area, state):
    """Colours an area; False when it is only counted in `more` (its département lighter)."""
    if area.kind in ("region", "former_region", "department"):
        for code, department in _base()[1].items():
            covered = area.kind == "region" or area.code in (
                code,
                department.parents.get("former_region"),
            )
            if covered and states[code] != ON:
                states[code] = state
        return True
    path, centre, small = _drawing(area.kind, area.code)
    shapes = sum(map(len, result.shapes.values()))
    dots = sum(map(len, result.dots.values()))
    if shapes >= MAX_SHAPES or (area.kind == "commune" and dots >= MAX_DOTS):
        result.more += 1
        departments = area.parents.get("departments") or [area.parents.get("department")]
        for code in departments:
            if code in states and not states[code]:
                states[code] = NEAR
        return False
    if path and not small:
        result.shapes.setdefault(state, []).append(path)
    if area.kind == "commune" or small or not path:
        result.dots.setdefault(state, []).append(centre)
    return True


@cache
def _base():
    """The frame, the départements (by code) and their coarse paths, the former regions."""
    data = boundaries()
    departments = {area.code: area for area in sorted(data.of_kind("department"), key=_code)}
    frame = Frame.around(departments.values(), width=WIDTH, margin=MARGIN)
    paths = {code: frame.path(area, TOLERANCE) for code, area in departments.items()}
    outlines = tuple(frame.path(area, TOLERANCE) for area in data.of_kind("former_region"))
    return frame, departments, paths, outlines


@lru_cache(maxsize=4096)  # every intercommunalité and commune of the region fits
def _drawing(kind, code):
    """An area's coarse path, its centre (tenths), and whether it is smaller than a dot."""
    frame = _base()[0]
    area = boundaries().get(kind, code)
    points = [frame.point(lon, lat) for ring in area.rings for lon, lat in ring]
    xs, ys = [x * 10 for x, _y in points], [y * 10 for _x, y in points]
    small = max(max(xs) - min(xs), max(ys) - min(ys)) < 3 * DOT
    centre = _centroid(frame, max(area.rings, key=len))
    return frame.path(area, TOLERANCE), centre, small


def _centroid(frame, ring):
    """The centre of mass of a ring, in tenths (its mean point if it is degenerate)."""
    points = [frame.point(lon, lat) for lon, lat in ring]
    twice_area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        twice_area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(twice_area) < 1e-9:
        cx, cy = sum(x for x, _y in points) / len(points), sum(y for _x, y in points) / len(points)
    else:
        cx, cy = cx / (3 * twice_area), cy / (3 * twice_area)
    return round(cx * 10), round(cy * 10)


def _code(area):
    return area.code
