"""Pages built again after a committed change: what the first visitor after a publication
waits for, when neither the page cache nor the data a page keeps per version can answer.

The « uncached » rows of the report miss the page cache only: a record's page then renders
from the data it keeps per version. Here the version moves before every request (a note of a
public change, as any publication writes), one request at a time, in gunicorn.
"""

import json

from writes import shell

RUNS = 20
PATHS = [
    ("initiative page (TESR)", "/initiatives/transformation-ecologique-et-sociale-de-la-region/"),
    ("actor page", "/acteurs/organisations/conseil-regional-des-hauts-de-france/"),
    ("territory page (Somme)", "/territoires/somme/"),
    ("map, zoomed into Pas-de-Calais", "/carte/?zone=62"),
]

MEASURE = """
import json, time
from urllib.request import urlopen
from django.db import connection
paths, port, runs = {paths!r}, {port}, {runs}
found = {{}}
for name, path in paths:
    timings = []
    for run in range(runs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT registre_note_change('pages'), registre_note_change('counts')")
        url = f"http://127.0.0.1:{{port}}{{path}}{{'&' if '?' in path else '?'}}apres={{run}}"
        started = time.perf_counter()
        with urlopen(url, timeout=30) as response:
            response.read()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    found[name] = [timings[len(timings) // 2], timings[int(len(timings) * 0.95)], timings[-1]]
print(json.dumps(found))
"""


def measure(env, port):
    """{page: (p50, p95, max) ms} of pages built right after a committed change."""
    return json.loads(shell(env, MEASURE.format(paths=PATHS, port=port, runs=RUNS)))


def report_lines(found):
    lines = [
        "",
        "## Pages built again after each change",
        "",
        f"The version moved by a committed change before each of {RUNS} requests, one at a "
        "time: neither the page cache nor the data a record's page keeps per version answers.",
        "",
        "| page | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|",
    ]
    for name, (p50, p95, most) in found.items():
        lines.append(f"| {name} | {p50:.1f} | {p95:.1f} | {most:.1f} |")
    return lines
