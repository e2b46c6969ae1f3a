"""Time and queries of `send_alerts` for many subscriptions over many initiatives.

    DJANGO_SECRET_KEY=… .venv/bin/python bench/alerts.py [--rows 100000] [--alerts 10000]
                                    [--lists 200] [--database-url URL]

It uses the throwaway database of `bench/export_memory.py` (topped up to --rows initiatives,
with themes, territories and actors), replaces every alert with --alerts confirmed ones spread
over --lists distinct lists (a theme, a territory, a status, two themes… as partners ask), makes
1 % of the initiatives change an hour ago, and runs the digest once with Django's locmem email
backend. It prints one Markdown table row: the number of queries must follow the distinct lists,
never alerts × initiatives. A second run on the same data sends nothing (idempotent) and shows
the cost of finding that out.
"""

import argparse
import datetime
import os
import sys
import time
from itertools import cycle, islice
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from bench.export_memory import database_url, fill  # noqa: E402


def lists(count):
    """`count` distinct queries of the index, from the bench's themes and territories."""
    from initiatives.models import Initiative

    themes = [f"bench-theme-{number}" for number in range(20)]
    places = [f"bench-lieu-{number}" for number in range(50)]
    statuses = Initiative.Status.values

    def every():
        yield ""
        for theme in themes:
            yield urlencode({"thematique": theme})
        for place in places:
            yield urlencode({"territoire": place})
        for theme in themes:
            for place in places:
                yield urlencode({"thematique": theme, "territoire": place})
        for theme in themes:
            for other in themes:
                for status in statuses:
                    if theme < other:
                        yield urlencode(
                            [("thematique", theme), ("thematique", other), ("statut", status)]
                        )
        for theme in themes:
            for place in places:
                for status in statuses:
                    yield urlencode({"thematique": theme, "territoire": place, "statut": status})

    return list(islice(every(), count))


def prepare(alerts, distinct, now):
    from django.db import connection

    from initiatives.models import Initiative
    from portal.models import Alert

    Alert.objects.all().delete()
    yesterday = now - datetime.timedelta(days=1)
    queries = lists(distinct)
    Alert.objects.bulk_create(
        (
            Alert(
                email=f"abonne-{number}@example.org",
                query=query,
                frequency=Alert.Frequency.DAILY,
                confirmed_at=yesterday,
                sent_through=yesterday,
            )
            for number, query in enumerate(islice(cycle(queries), alerts))
        ),
        batch_size=2000,
    )
    changed = Initiative.objects.filter(slug__startswith="bench-").order_by("pk")[::100]
    Initiative.objects.filter(pk__in=[initiative.pk for initiative in changed]).update(
        updated_at=now - datetime.timedelta(hours=1)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(queries), len(changed)


def run(now):
    from django.core import mail
    from django.db import connection

    from portal.alerts import send_digests

    mail.outbox = []
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    # Counted by a wrapper, not CaptureQueriesContext, whose log keeps only the last 9,000.
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        done, sent = send_digests(now=now)
        seconds = time.perf_counter() - started
    return done, sent, queries, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--lists", type=int, default=200)
    parser.add_argument("--database-url", help="a throwaway database (default: embedded one)")
    options = parser.parse_args()
    os.environ["DATABASE_URL"] = database_url(options.database_url)
    os.environ["DJANGO_EMAIL_BACKEND"] = "locmem"

    import django

    django.setup()

    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    published = fill(options.rows)
    now = timezone.now()
    distinct, changed = prepare(options.alerts, options.lists, now)
    first = run(now)
    again = run(now)

    print(
        "| initiatives | changed | alerts | lists | run | alerts done | emails | queries | time |"
    )
    print("|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for name, (done, sent, queries, seconds) in (("first", first), ("again", again)):
        print(
            f"| {published:,} | {changed:,} | {options.alerts:,} | {distinct:,} | {name} "
            f"| {done:,} | {sent:,} | {queries:,} | {seconds:.1f} s |"
        )


if __name__ == "__main__":
    main()
