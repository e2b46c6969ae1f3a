"""The outlines of the territories of Hauts-de-France (built by `manage.py build_boundaries`
into boundaries.json), their projection onto the plane, and their SVG paths.

Coordinates are kept as integers (degrees × SCALE); the projection is Lambert-93 (the French
official conformal conic on GRS 80), so that shapes and distances look as on an IGN map.
"""

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

BOUNDARIES_FILE = Path(__file__).with_name("boundaries.json")
SCALE = 10_000  # 1e-4 degree: about 7 m east-west and 11 m north-south at 50°N


@dataclass
class Area:
    kind: str
    code: str
    name: str
    parents: dict
    rings: list = field(repr=False)  # [[(lon, lat), ...], ...] in degrees

    def contains(self, lon, lat):
        """Even-odd rule over every ring: holes and islands counted right."""
        inside = False
        for ring in self.rings:
            for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
                if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
                    inside = not inside
        return inside


@dataclass
class Boundaries:
    source: str
    licence: str
    date: str
    areas: dict  # {(kind, code): Area}

    def of_kind(self, kind):
        return [area for (k, _code), area in self.areas.items() if k == kind]

    def get(self, kind, code):
        return self.areas.get((kind, code))

    def children(self, area):
        """The intercommunalités of a département, the communes of an intercommunalité."""
        if area.kind == "department":
            return [
                epci
                for epci in self.of_kind("intercommunality")
                if area.code in epci.parents.get("departments", [])
            ]
        if area.kind == "intercommunality":
            return [
                commune
                for commune in self.of_kind("commune")
                if commune.parents.get("intercommunality") == area.code
            ]
        return []


@cache
def boundaries(path=BOUNDARIES_FILE):
    document = json.loads(Path(path).read_text())
    scale = document["scale"]
    areas = {}
    for item in document["areas"]:
        rings = []
        for flat in item["rings"]:
            x, y = flat[0], flat[1]
            ring = [(x / scale, y / scale)]
            for i in range(2, len(flat), 2):
                x, y = x + flat[i], y + flat[i + 1]
                ring.append((x / scale, y / scale))
            rings.append(ring)
        area = Area(item["kind"], item["code"], item["name"], item["parents"], rings)
        areas[(area.kind, area.code)] = area
    return Boundaries(document["source"], document["licence"], document["date"], areas)


# Lambert-93 (EPSG:2154) ------------------------------------------------------------------

_A = 6_378_137.0
_E = 0.0818191910428158  # GRS 80
_LON0, _LAT0, _LAT1, _LAT2 = map(math.radians, (3.0, 46.5, 44.0, 49.0))
_X0, _Y0 = 700_000.0, 6_600_000.0


def _m(lat):
    return math.cos(lat) / math.sqrt(1 - (_E * math.sin(lat)) ** 2)


def _t(lat):
    s = _E * math.sin(lat)
    return math.tan(math.pi / 4 - lat / 2) / ((1 - s) / (1 + s)) ** (_E / 2)


_N = (math.log(_m(_LAT1)) - math.log(_m(_LAT2))) / (math.log(_t(_LAT1)) - math.log(_t(_LAT2)))
_F = _m(_LAT1) / (_N * _t(_LAT1) ** _N)
_RHO0 = _A * _F * _t(_LAT0) ** _N


def lambert93(lon, lat):
    """Metres east and north in Lambert-93."""
    rho = _A * _F * _t(math.radians(lat)) ** _N
    theta = _N * (math.radians(lon) - _LON0)
    return _X0 + rho * math.sin(theta), _Y0 + _RHO0 - rho * math.cos(theta)


# SVG ---------------------------------------------------------------------------------------


@dataclass
class Frame:
    """From Lambert-93 metres to the picture's units (y down), fitted to a width."""

    left: float
    top: float
    ratio: float
    width: int
    height: int

    @classmethod
    def around(cls, areas, width=600, margin=4):
        xs, ys = [], []
        for area in areas:
            for ring in area.rings:
                for lon, lat in ring:
                    x, y = lambert93(lon, lat)
                    xs.append(x)
                    ys.append(y)
        ratio = (width - 2 * margin) / max(max(xs) - min(xs), 1.0)
        height = round((max(ys) - min(ys)) * ratio) + 2 * margin
        if height > width * 1.4:  # a tall shape: fitted to a height instead
            ratio = (width * 1.4 - 2 * margin) / max(max(ys) - min(ys), 1.0)
            height = round(width * 1.4)
        return cls(min(xs) - margin / ratio, max(ys) + margin / ratio, ratio, width, height)

    def point(self, lon, lat):
        x, y = lambert93(lon, lat)
        return (x - self.left) * self.ratio, (self.top - y) * self.ratio

    def path(self, area, tolerance=0):
        """A path in tenths of a unit (the viewBox is ten times the size), relative steps in
        whole numbers: short, and sharp enough at this size. With a tolerance (in units), points
        closer than it to the simplified line are dropped (a small picture needs few), and rings
        narrower than twice the tolerance too (slivers; the Nord's exclave near Cambrai stays)."""
        parts = []
        for ring in area.rings:
            points = [self.point(lon, lat) for lon, lat in ring]
            if tolerance:
                xs, ys = [x for x, _y in points], [y for _x, y in points]
                if max(max(xs) - min(xs), max(ys) - min(ys)) < 2 * tolerance:
                    continue  # a sliver left by the simplification: a speck at this size
                points = simplify(points, tolerance)
            x0, y0 = round(points[0][0] * 10), round(points[0][1] * 10)
            steps, (px, py) = [], (x0, y0)
            for x, y in points[1:]:
                qx, qy = round(x * 10), round(y * 10)
                if (qx, qy) != (px, py):
                    steps.append(f"{qx - px} {qy - py}")
                    px, py = qx, qy
            if len(steps) >= 2:
                parts.append(f"M{x0} {y0}l" + " ".join(steps) + "z")
        return "".join(parts)


def simplify(points, tolerance):
    """Douglas–Peucker on a closed ring: the points that stray more than `tolerance` from the
    line kept so far (iterative, so a long ring cannot exhaust the stack)."""
    if len(points) < 4:
        return points
    far = max(range(len(points)), key=lambda i: _distance2(points[i], points[0]))
    keep = {0, far, len(points) - 1}
    stack = [(0, far), (far, len(points) - 1)]
    limit = tolerance * tolerance
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        worst, index = 0.0, None
        for i in range(first + 1, last):
            d = _segment_distance2(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index is not None and worst > limit:
            keep.add(index)
            stack += [(first, index), (index, last)]
    return [points[i] for i in sorted(keep)]


def _distance2(a, b):
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _segment_distance2(p, a, b):
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if not length2:
        return _distance2(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return _distance2(p, (a[0] + t * dx, a[1] + t * dy))
