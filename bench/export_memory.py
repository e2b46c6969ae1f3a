"""Time and peak memory of the CSV export of the initiative list, over N initiatives.

    DJANGO_SECRET_KEY=… .venv/bin/python bench/export_memory.py [--rows 100000]
                                    [--format csv|xlsx|json|geojson] [--database-url URL]

It writes into a throwaway database: the one named by --database-url, or else
`registre_bench_export` on the embedded server, created and migrated on first use. The
environment's DATABASE_URL is deliberately not used, so that the bench never fills the working
database by accident. The initiatives (slugs `bench-…`, with themes and located territories)
are created once with bulk_create and topped up to --rows on later runs; each one gets a pilot,
two partners and a funder with an amount, and a funded beneficiary, from 500 published
organisations, so that every role-group column of the export has names and amounts.

The export is consumed in-process from the Django test client, twice: once for the time and
the growth of the process's peak resident memory (getrusage maxrss), once under tracemalloc
for the peak of Python allocations (tracemalloc slows the run, so it is timed apart). It prints
one Markdown table row. Memory that stays flat as --rows grows is the point: compare two runs.
"""

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

BENCH_DATABASE = "registre_bench_export"
BATCH = 5000


def database_url(given):
    if given:
        return given
    from portal import embedded_db

    socket_dir = embedded_db.ensure_running()
    embedded_db.ensure_database(socket_dir, BENCH_DATABASE)
    return f"postgres://{embedded_db.SUPERUSER}@/{BENCH_DATABASE}?host={socket_dir}"


def fill(rows):
    """Top the database up to `rows` published bench initiatives; return how many it holds."""
    from django.db import connection, transaction

    from initiatives.models import Initiative, PublicationState, Territory, Theme

    territories = [
        Territory.objects.get_or_create(
            slug=f"bench-lieu-{number}",
            defaults={
                "name": f"Lieu de mesure {number}",
                "kind": Territory.Kind.COMMUNE,
                # Every fifth territory without coordinates, as in real data.
                "latitude": None if number % 5 == 0 else 49 + number / 100,
                "longitude": None if number % 5 == 0 else 2 + number / 100,
            },
        )[0]
        for number in range(50)
    ]
    themes = [
        Theme.objects.get_or_create(
            slug=f"bench-theme-{number}", defaults={"name": f"Thématique de mesure {number}"}
        )[0]
        for number in range(20)
    ]
    existing = Initiative.objects.filter(slug__startswith="bench-").count()
    kinds, statuses = Initiative.Kind.values, Initiative.Status.values
    summary = (
        "Une initiative de développement régional créée pour mesurer l'export : économie "
        "circulaire, écologie industrielle, coopération entre acteurs ; « guillemets », "
        "virgules, points-virgules et accents compris."
    )
    through_themes = Initiative.themes.through
    through_territories = Initiative.territories.through
    for start in range(existing, rows, BATCH):
        numbers = range(start, min(start + BATCH, rows))
        with transaction.atomic():
            created = Initiative.objects.bulk_create(
                Initiative(
                    title=f"Initiative de mesure n° {number}",
                    slug=f"bench-{number:07d}",
                    kind=kinds[number % len(kinds)],
                    status=statuses[number % len(statuses)],
                    start=str(1990 + number % 35),
                    summary=summary,
                    publication_state=PublicationState.PUBLISHED,
                )
                for number in numbers
            )
            through_themes.objects.bulk_create(
                through_themes(initiative_id=initiative.pk, theme_id=themes[(i + k) % 20].pk)
                for i, initiative in enumerate(created)
                for k in (0, 7)
            )
            through_territories.objects.bulk_create(
                through_territories(initiative_id=initiative.pk, territory_id=place.pk)
                for i, initiative in enumerate(created)
                for place in {territories[i % 50], territories[(i * 7) % 50]}
            )
        print(f"  {numbers[-1] + 1} initiatives", file=sys.stderr)
    fill_actors()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Initiative.objects.published().count()


def fill_actors():
    """Give every bench initiative without actors its pilot, partners, funder and beneficiary."""
    from django.db import transaction

    from actors.models import Funding, Involvement, Organisation
    from initiatives.models import Initiative, PublicationState

    organisations = [
        Organisation.objects.get_or_create(
            slug=f"bench-organisation-{number}",
            defaults={
                "name": f"Organisation de mesure n° {number}",
                "kind": Organisation.Kind.values[number % len(Organisation.Kind.values)],
                "publication_state": PublicationState.PUBLISHED,
            },
        )[0].pk
        for number in range(500)
    ]
    bare = (
        Initiative.objects.filter(slug__startswith="bench-", involvements__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    role = Involvement.Role
    while pks := list(bare[:BATCH]):
        with transaction.atomic():
            Involvement.objects.bulk_create(
                Involvement(
                    initiative_id=pk,
                    organisation_id=organisations[(pk * step) % 500],
                    role=kind,
                    amount=(pk % 97) * 1000 if kind == role.FUNDER else None,
                )
                for pk in pks
                for step, kind in (
                    (1, role.PILOT),
                    (3, role.PARTNER),
                    (7, role.PARTNER),
                    (11, role.FUNDER),
                )
            )
            Funding.objects.bulk_create(
                Funding(
                    initiative_id=pk,
                    beneficiary_id=organisations[(pk * 13) % 500],
                    status=Funding.Status.FUNDED,
                    amount=(pk % 89) * 500,
                )
                for pk in pks
            )
        print(f"  actors for {len(pks)} more initiatives", file=sys.stderr)


def consume(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    size = sum(len(part) for part in response.streaming_content)
    response.close()
    return size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "xlsx", "json", "geojson"], default="csv")
    parser.add_argument("--database-url", help="a throwaway database (default: embedded one)")
    options = parser.parse_args()
    os.environ["DATABASE_URL"] = database_url(options.database_url)

    import django

    django.setup()

    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    published = fill(options.rows)
    setup_test_environment(debug=False)  # the test client's host, DEBUG off
    client = Client()
    url = f"/initiatives/export.{options.format}"

    consume(client, f"{url}?statut=done&q=inexistant")  # warm up: connection, imports
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = consume(client, url)
    seconds = time.perf_counter() - started
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before  # KiB on Linux

    tracemalloc.start()
    consume(client, url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print("| format | initiatives | size | time | tracemalloc peak | maxrss growth |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| {options.format} | {published:,} | {size / 2**20:.1f} MiB | {seconds:.1f} s "
        f"| {peak / 2**20:.1f} MiB | {rss_growth / 1024:.1f} MiB |"
    )


if __name__ == "__main__":
    main()
