"""`make bench`: throughput and latency of the public pages under load, as ratios to a trivial
Django view and to a static file measured in the same run, then a failover drill.

Steps: a benchmark database (`registre_bench` on the embedded server, or BENCH_DATABASE_URL)
with the seed data and BENCH_INITIATIVES generated initiatives (100,000 by default; built once
and reused); gunicorn with production settings on loopback; wrk on each URL; then two gunicorn
instances behind nginx, one stopped under load. Writes bench/results/<date>-<N>.md
(<date>-<N>-<BENCH_SUFFIX>.md with BENCH_SUFFIX).
"""

import json
import os
import platform
import random
import subprocess
import time
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit
from urllib.request import Request, urlopen

import drills
import first_build
import scaleout
import writes
from harness import (
    CONNECTIONS,
    DURATION,
    INITIATIVE_PAGE,
    PYTHON,
    ROOT,
    THREE_FILTERS,
    WORKERS,
    free_port,
    log,
    require,
    start_gunicorn,
    stop,
    wait_for_facet_bitmaps,
    wrk,
)

INITIATIVES = int(os.environ.get("BENCH_INITIATIVES", "100000"))
SUFFIX = os.environ.get("BENCH_SUFFIX", "").strip()
# BENCH_ONLY=scaleout: the baselines, the pages the scale-out run measures too, the API rows
# and the scale-out run (a quick run while working on it; name its file with BENCH_SUFFIX).
ONLY = os.environ.get("BENCH_ONLY", "").strip()
MAP_FILTERED = "/carte/?thematique=economie-circulaire&de=2010&a=2020"
# Paths also measured with a new period each time (report.lua rewrites "de=2010").
NEW_PERIOD_PATHS = {THREE_FILTERS, MAP_FILTERED}
# The generated organisation with the most involvements (906 at 100 000 initiatives, 2 781 at
# a million): its network walks the most initiatives of any (the Conseil régional has 2).
BUSIEST_ORGANISATION = "/acteurs/organisations/jardin-de-cocagne-de-vervamont-la-riviere-32/"

DEEP_CURSOR = "deep cursor"
CURSOR_DEPTH = 10_000

# (label, path, measured uncached too)
URLS = [
    ("trivial view (/robots.txt)", "/robots.txt", False),
    ("static file (whitenoise)", None, False),
    ("home", "/", True),
    ("index, no filter", "/initiatives/", True),
    ("index, theme + territory + period, with facets", THREE_FILTERS, True),
    ("index, page 500", "/initiatives/?page=500", True),
    ("search, selective term", "/recherche/?q=couches+lavables", True),
    ("search, very common term", "/recherche/?q=territoire", True),
    ("search, typo", "/recherche/?q=econmie", True),
    ("initiative page", INITIATIVE_PAGE, True),
    ("actor page", "/acteurs/organisations/conseil-regional-des-hauts-de-france/", True),
    ("territory page", "/territoires/somme/", True),
    ("map, no filter", "/carte/", True),
    ("map, theme + period", MAP_FILTERED, True),
    ("map, zoomed into Pas-de-Calais", "/carte/?zone=62", True),
    ("actor page with network, busiest organisation", BUSIEST_ORGANISATION, True),
]
# The API refuses unknown parameters (no "uncached" variant) and is never in the page cache.
API_URLS = [
    ("API, initiatives, first page", "/api/initiatives/", False),
    (
        "API, initiatives, page 500 (offset 9 980, the deepest page number)",
        "/api/initiatives/?page=500",
        False,
    ),
    (None, DEEP_CURSOR, False),  # named by measure()
]
URLS += API_URLS


def bench_environment():
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECURE_COOKIES": "0"}
    # bench/report.lua gives each request a client address of its own in X-Forwarded-For:
    # the API's rate limit is per address, as it is for many clients.
    env["DJANGO_PROXY_COUNT"] = "1"
    env.setdefault("DJANGO_SECRET_KEY", (ROOT / "var" / "secret_key").read_text().strip())
    if "BENCH_DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        return env
    socket_dir = subprocess.check_output(
        [PYTHON, "-c", "from portal import embedded_db as e; s = e.ensure_running(); "
         "e.ensure_database(s, 'registre_bench'); print(s)"],
        cwd=ROOT, text=True,
    ).strip()  # fmt: skip
    env["DATABASE_URL"] = f"postgres://postgres@/registre_bench?host={socket_dir}"
    return env


def manage(env, *args, capture=False):
    command = [PYTHON, "manage.py", *args]
    if capture:
        return subprocess.check_output(command, cwd=ROOT, env=env, text=True)
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def prepare_database(env):
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    count = int(
        manage(env, "shell", "-c",
               "from initiatives.models import Initiative; print(Initiative.objects.count())",
               capture=True).strip().splitlines()[-1]
    )  # fmt: skip
    if count >= INITIATIVES:
        log(f"bench: reusing the benchmark database ({count} initiatives)")
        return None
    log(f"bench: generating {INITIATIVES} initiatives on top of the seed data…")
    manage(env, "load_demo", "--verbosity", "0")
    started = time.monotonic()
    subprocess.run(
        [PYTHON, "bench/generate.py", "--initiatives", str(INITIATIVES)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return time.monotonic() - started


# p95 targets of the issue (ms), and the row each applies to.
TARGETS = {
    "index, theme + territory + period, with facets — uncached": 100,
    "index, theme + territory + period, with facets — new period each time": 100,
    "search, selective term — uncached": 50,
    "search, very common term — uncached": 100,  # issue 18 (it was 200 before)
    "initiative page": 30,
    "initiative page — uncached": 30,
    "actor page": 30,
    "actor page — uncached": 30,
    "map, no filter — uncached": 100,
    "map, theme + period — uncached": 100,
    "map, theme + period — new period each time": 100,
    "map, zoomed into Pas-de-Calais — uncached": 100,
    "actor page with network, busiest organisation — uncached": 50,
}
API_TARGET = 50  # every API list page, at any depth, on the pooler and replica too
CACHED_SHARE = 0.5  # cached pages: at least half the throughput of the trivial view
BASELINES = {URLS[0][0], URLS[1][0]}


def static_path(env):
    return manage(
        env, "shell", "-c",
        "from django.templatetags.static import static; print(static('css/site.css'))",
        capture=True,
    ).strip().splitlines()[-1]  # fmt: skip


def get_json(url):
    request = Request(url, headers={"X-Forwarded-For": f"10.9.{random.randrange(256)}.1"})
    with urlopen(request, timeout=30) as response:
        return json.load(response)


def deep_cursor_path(base, depth=CURSOR_DEPTH):
    """The API's initiatives `depth` results deep (or as deep as the list goes): the `next`
    links followed 100 results at a time, the last one asked at the default page size (a
    cursor holds for any page_size). Returns the path and its depth."""
    url = f"{base}/api/initiatives/?page_size=100"
    hops = max(1, min(depth, get_json(url)["count"] - 20) // 100)
    for _ in range(hops):
        url = urljoin(base, get_json(url)["next"])
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query) if name != "page_size"]
    return f"{parts.path}?{urlencode(query)}", hops * 100


def measure(env, port, urls=URLS):
    base = f"http://127.0.0.1:{port}"
    rows = []
    static = static_path(env)
    for label, path, uncached_too in urls:
        if path == DEEP_CURSOR:
            path, depth = deep_cursor_path(base)
            deep = f"{depth:,}".replace(",", " ")
            label = f"API, initiatives, cursor {deep} results deep (next links)"
        path = path or static
        variants = [("", False, False)]
        if uncached_too:
            variants.append((" — uncached", True, False))
        if path in NEW_PERIOD_PATHS:
            variants.append((" — new period each time", True, True))
        for suffix, unique, new_period in variants:
            wrk(base + path, unique, duration="2s", new_period=new_period)  # warm up
            result = wrk(base + path, unique, new_period=new_period)
            name = label + suffix
            log(f"bench: {name}: {result['rps']:.0f} req/s, p95 {result['p95']:.1f} ms")
            rows.append((name, path, result))
    return rows


def verdict(name, result, trivial):
    """The target a row is held to, and whether it holds."""
    if name == "search, typo — uncached":
        return "the suggestion alone: p95 < 10 ms, below"
    topology = scaleout.TOPOLOGY  # the same target through the replica and the pooler
    same_page = name.removesuffix(f", {topology}").removesuffix(f" — {topology}")
    target = TARGETS.get(same_page, API_TARGET if name.startswith("API, ") else None)
    if target:
        holds = result["p95"] < target and not result["errors"]
        return f"p95 < {target} ms: {'yes' if holds else 'NO'}"
    if " — " not in name and name not in BASELINES:
        holds = result["rps"] >= CACHED_SHARE * trivial and not result["errors"]
        return f"≥ {CACHED_SHARE:.1f} × trivial: {'yes' if holds else 'NO'}"
    return ""


SUGGESTION_TIMING = """
import statistics, time
from portal.catalogue.search import correction
timings = []
for _ in range(300):
    started = time.perf_counter()
    assert correction("econmie")
    timings.append((time.perf_counter() - started) * 1000)
timings.sort()
print(f"{statistics.median(timings):.2f} {timings[int(len(timings) * 0.95)]:.2f}")
"""


def suggestion_time(env):
    """The typo suggestion alone (its queries and their Python), in-process: median, p95 ms."""
    output = manage(env, "shell", "-c", SUGGESTION_TIMING, capture=True)
    median, p95 = output.strip().splitlines()[-1].split()
    return float(median), float(p95)


def first_line(path, prefix):
    lines = Path(path).read_text().splitlines() if Path(path).exists() else []
    return next((line for line in lines if line.startswith(prefix)), "")


def machine():
    cpu = first_line("/proc/cpuinfo", "model name").partition(":")[2].strip() or "unknown CPU"
    memory_kb = (first_line("/proc/meminfo", "MemTotal").split() or ["", "0"])[1]
    memory = int(memory_kb) // 1024 // 1024
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}"


def report(rows, generation, closing_lines):
    trivial = rows[0][2]["rps"]
    static = rows[1][2]["rps"]
    lines = [
        f"# Benchmark — {date.today():%Y-%m-%d}, {INITIATIVES:,} generated initiatives".replace(
            ",", " "
        ),
        "",
        f"Machine: {machine()}. gunicorn {WORKERS} sync workers, wrk 2 threads × {CONNECTIONS} "
        f"connections × {DURATION} per URL, all on loopback (the load generator shares the CPUs).",
        "",
        "Rows without a suffix are served to anonymous visitors, from the page cache once "
        "warm; « uncached » adds a distinct ignored parameter to every request, so the page is "
        "built each time (fragments such as facet counts may still come from the cache); "
        "« new period each time » also changes a filter, so most facet counts are computed.",
        "",
        "| URL | req/s | p50 ms | p95 ms | p99 ms | errors | × trivial view | × static file "
        "| target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, _path, result in rows:
        lines.append(
            f"| {name} | {result['rps']:.0f} | {result['p50']:.1f} | {result['p95']:.1f} | "
            f"{result['p99']:.1f} | {result['errors']} | {result['rps'] / trivial:.2f} | "
            f"{result['rps'] / static:.2f} | {verdict(name, result, trivial)} |"
        )
    lines.append("")
    if generation is not None:
        lines.append(f"Generating the data took {generation:.0f} s.")
    lines.extend(closing_lines)
    text = "\n".join(lines) + "\n"
    # BENCH_SUFFIX names a run beside the day's others (e.g. "maps": …-100000-maps.md).
    suffix = f"-{SUFFIX}" if SUFFIX else ""
    out = ROOT / "bench" / "results" / f"{date.today():%Y-%m-%d}-{INITIATIVES}{suffix}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(text)
    log(f"bench: written to {out.relative_to(ROOT)}")


def suggestion_line(env):
    median, p95 = suggestion_time(env)
    holds = "yes" if p95 < 10 else "NO"
    return (
        f"Typo suggestion alone (« econmie » → « économie », its queries included, in-process, "
        f"300 calls): median {median:.1f} ms, p95 {p95:.1f} ms; target p95 < 10 ms: {holds}."
    )


def main():
    require("wrk", "wrk")
    require("nginx", "nginx-light")
    env = bench_environment()
    generation = prepare_database(env)
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    only_scaleout = ONLY == "scaleout"
    port = free_port()
    server = start_gunicorn(env, port)
    try:
        wait_for_facet_bitmaps(port)
        if only_scaleout:
            compared = [row for row in URLS if row[0] in scaleout.COMPARED]
            rows = measure(env, port, URLS[:2] + compared + API_URLS)
        else:
            rows = measure(env, port)
            mixed_result = writes.mixed_workload(env, port, DURATION, CONNECTIONS)
            rebuilt = first_build.measure(env, port)
    finally:
        stop(server)
    closing = []
    if not only_scaleout:
        closing.append(suggestion_line(env))
        closing.append(drills.failover_line(drills.failover(env)))
        closing.extend(
            writes.report_lines(
                writes.write_cost(env), writes.saves_during_import(env), mixed_result
            )
        )
        closing.extend(first_build.report_lines(rebuilt))
    scaled_rows, scaled_lines = scaleout.run(env)
    report(rows + scaled_rows, generation, closing + scaled_lines)


if __name__ == "__main__":
    main()
