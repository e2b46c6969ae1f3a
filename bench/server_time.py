"""Median server time of public pages, in-process, as ratios to a trivial view in the same run.

Run against a database holding the demo data (`make run` loads it, or `manage.py load_demo`):

    DJANGO_SECRET_KEY=… .venv/bin/python bench/server_time.py [--requests 200]

It measures the time Django takes to answer (no network, no gunicorn), so it is repeatable
enough to compare pages; throughput under load is the job of `make bench`.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

PAGES = {
    "trivial view (/healthz)": "/healthz",
    "home": "/",
    "index": "/initiatives/",
    "index, 3 filters + query": "/initiatives/?thematique=economie-circulaire"
    "&territoire=hauts-de-france&de=2010&a=2020&q=reseau",
    "search": "/recherche/?q=economie+circulaire",
    "search, typo": "/recherche/?q=econmie",
    "initiative page": "/initiatives/transformation-ecologique-et-sociale-de-la-region/",
    "agenda": "/agenda/",
}


def median_ms(client, url, requests):
    client.get(url)  # warm up: connection, templates, caches of the database
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    client = Client(HTTP_HOST="localhost")
    results = {name: median_ms(client, url, args.requests) for name, url in PAGES.items()}
    baseline = results["trivial view (/healthz)"]
    print(f"| page | median (ms) | × trivial view |  ({args.requests} requests each)")
    print("|---|---:|---:|")
    for name, value in results.items():
        print(f"| {name} | {value:.2f} | {value / baseline:.1f} |")


if __name__ == "__main__":
    main()
