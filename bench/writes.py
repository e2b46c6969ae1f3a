"""What staff writes cost and what they cost the public, for `make bench` (bench/run.py):

- the queries and time of creating an initiative with a theme, a territory and an involvement,
  and of editing its summary (bench/write_cost.py, in-process);
- a staff save's p95 alone, and while a 5,000-row import holds its transaction open in
  another connection;
- a mixed public workload (index, record page, search, as the public gets them) read-only,
  then while a staff edit is committed every 2 seconds: p50/p95 and the page cache's hit rate.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"

SAVES_DURING_IMPORT = """
import statistics, threading, time
from django.db import connections, transaction
from initiatives.models import Initiative

target = Initiative.objects.published().order_by("pk").first()

def save_times(count):
    times = []
    for n in range(count):
        started = time.perf_counter()
        with transaction.atomic():
            record = Initiative.objects.get(pk=target.pk)
            record.summary = f"Relu {n}."
            record.save()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[int(len(times) * 0.95)]

alone = save_times(40)
holding = threading.Event()
done = threading.Event()

def bulk_import():
    with transaction.atomic():
        Initiative.objects.bulk_create(
            Initiative(title=f"Import de banc {n}", slug=f"import-banc-{n}", kind="project",
                       publication_state="published")
            for n in range(5000)
        )
        holding.set()
        done.wait(120)
        transaction.set_rollback(True)
    connections.close_all()

thread = threading.Thread(target=bulk_import)
thread.start()
holding.wait(300)
during = save_times(40)
done.set()
thread.join()
print(f"{alone:.1f} {during:.1f}")
"""

EDITOR = """
import time
from initiatives.models import Initiative
ids = list(Initiative.objects.published().order_by("pk").values_list("pk", flat=True)[:50])
end = time.monotonic() + {seconds}
n = 0
while time.monotonic() < end:
    record = Initiative.objects.get(pk=ids[n % len(ids)])
    record.summary = f"Relecture {{n}} : {{record.title}}."
    record.save()
    n += 1
    time.sleep(2)
print(n)
"""

MIXED_PATHS = ",".join(
    [
        "/initiatives/",
        "/initiatives/transformation-ecologique-et-sociale-de-la-region/",
        "/recherche/?q=territoire",
        "/initiatives/?thematique=economie-circulaire&de=2010",
        "/acteurs/organisations/conseil-regional-des-hauts-de-france/",
    ]
)


def log(message):
    print(message, file=sys.stderr, flush=True)


def shell(env, code):
    output = subprocess.check_output(
        [PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, text=True
    )
    return output.strip().splitlines()[-1]


def write_cost(env):
    output = subprocess.check_output(
        [PYTHON, str(ROOT / "bench" / "write_cost.py")], cwd=ROOT, env=env, text=True
    )
    return output.strip().splitlines()


def saves_during_import(env):
    alone, during = shell(env, SAVES_DURING_IMPORT).split()
    return float(alone), float(during)


def mixed(port, duration, connections):
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--timeout", "10s",
         "-s", str(ROOT / "bench" / "mixed.lua"), f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PATHS": MIXED_PATHS},
    ).stdout  # fmt: skip
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def mixed_workload(env, port, duration, connections):
    """(read-only result, result with an edit every 2 s, edits committed)."""
    mixed(port, "3s", connections)  # warm up
    read_only = mixed(port, duration, connections)
    seconds = int(duration.rstrip("s")) + 2
    editor = subprocess.Popen(
        [PYTHON, "manage.py", "shell", "-c", EDITOR.format(seconds=seconds)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(1)
    with_edits = mixed(port, duration, connections)
    edits = int(editor.communicate()[0].strip().splitlines()[-1])
    log(f"bench: mixed workload: {edits} staff edits committed during the run")
    return read_only, with_edits, edits


def report_lines(cost, import_result, mixed_result):
    alone, during = import_result
    read_only, with_edits, edits = mixed_result
    lines = [
        "",
        "## Staff writes",
        "",
        *(f"- {line}" for line in cost),
        f"- A staff save (an edit of a published initiative), p95 of 40: {alone:.1f} ms alone, "
        f"{during:.1f} ms while a 5 000-row import holds its transaction open in another "
        "connection.",
        "",
        "Mixed public workload (index, filtered index, initiative page, actor page, search, "
        "as the public gets them, in turn):",
        "",
        "| run | req/s | p50 ms | p95 ms | p99 ms | errors | page cache hits |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in (
        ("read-only", read_only),
        (f"a staff edit committed every 2 s ({edits} edits)", with_edits),
    ):
        lines.append(
            f"| {name} | {result['rps']:.0f} | {result['p50']:.1f} | {result['p95']:.1f} | "
            f"{result['p99']:.1f} | {result['errors']} | {result['hit_rate']:.1%} |"
        )
    return lines
