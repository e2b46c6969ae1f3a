"""Median server time of public pages, in-process, as ratios to a trivial view in the same run.

Run against a database holding the demo data (`make run` loads it, or `manage.py load_demo`):

    DJANGO_SECRET_KEY=… .venv/bin/python bench/server_time.py [--requests 200]

It measures the time Django takes to answer (no network, no gunicorn), so it is repeatable
enough to compare pages; throughput under load is the job of `make bench`. Each page is
measured uncached (a different ignored parameter each time) and cached.
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


def median_ms(client, url, requests, uncached=False):
    client.get(url)  # warm up: connection, templates, caches of the database
    timings = []
    for number in range(requests):
        # A parameter the pages ignore, different each time: the page cache cannot answer.
        target = f"{url}{'&' if '?' in url else '?'}_bench={number}" if uncached else url
        started = time.perf_counter()
        response = client.get(target)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    client = Client(HTTP_HOST="localhost")
    baseline = median_ms(client, PAGES["trivial view (/healthz)"], args.requests)
    print(
        f"| page | median ms, uncached | × trivial view | median ms, cached |  "
        f"({args.requests} requests each)"
    )
    print("|---|---:|---:|---:|")
    for name, url in PAGES.items():
        uncached = median_ms(client, url, args.requests, uncached=True)
        cached = median_ms(client, url, args.requests)
        print(f"| {name} | {uncached:.2f} | {uncached / baseline:.1f} | {cached:.2f} |")


if __name__ == "__main__":
    main()
