"""Queries and time of two staff writes, in-process: creating an initiative with a theme, a
territory and an involvement, then editing its summary (rolled back; medians of 20 runs).

    DJANGO_SETTINGS_MODULE=portal.settings python bench/write_cost.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from actors.models import Involvement, Organisation  # noqa: E402
from initiatives.models import Initiative, Territory, Theme  # noqa: E402

RUNS = 20


class Rollback(Exception):
    pass


def measure():
    create, edit = [], []
    for run in range(RUNS):
        try:
            with transaction.atomic():
                theme = Theme.objects.create(name=f"Thème {run}", slug=f"bench-theme-{run}")
                place = Territory.objects.create(
                    name=f"Lieu {run}", slug=f"bench-lieu-{run}", kind="commune"
                )
                organisation = Organisation.objects.create(
                    name=f"Org {run}", slug=f"bench-org-{run}", kind="association",
                    publication_state="published",
                )  # fmt: skip
                with CaptureQueriesContext(connection) as created:
                    started = time.perf_counter()
                    initiative = Initiative.objects.create(
                        title=f"Bench {run}", slug=f"bench-{run}", kind="project",
                        publication_state="published",
                    )  # fmt: skip
                    initiative.themes.add(theme)
                    initiative.territories.add(place)
                    Involvement.objects.create(
                        initiative=initiative, organisation=organisation, role="pilot"
                    )
                    create.append((len(created), time.perf_counter() - started))
                with CaptureQueriesContext(connection) as edited:
                    started = time.perf_counter()
                    initiative.summary = "Un autre résumé."
                    initiative.save()
                    edit.append((len(edited), time.perf_counter() - started))
                raise Rollback
        except Rollback:
            pass
    for name, rows in (("create with theme, territory, involvement", create),
                       ("edit the summary", edit)):  # fmt: skip
        queries = statistics.median(count for count, _ in rows)
        millis = statistics.median(seconds for _, seconds in rows) * 1000
        print(f"{name}: {queries:.0f} queries, {millis:.1f} ms (median of {RUNS})")


if __name__ == "__main__":
    measure()
