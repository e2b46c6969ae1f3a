"""The failover drills of `make bench`: two gunicorn instances behind nginx under load, and
something stopped in the middle of it; what the clients saw is reported.

- `failover`: the first instance stopped (SIGTERM);
- `scale_out_drill`: in the scale-out topology (bench/scaleout.py), the replica stopped, then
  the primary's pooler.
"""

import time
from urllib.error import HTTPError
from urllib.request import urlopen

from harness import (
    THREE_FILTERS,
    free_port,
    log,
    nginx_front,
    start_gunicorn,
    stop,
    wait_for_facet_bitmaps,
    wrk,
    wrk_process,
    wrk_result,
)

STEP_SECONDS = 6
ACTION_AFTER = 1.5  # seconds into a step's load


def failover(env):
    """Two instances behind nginx; the first is stopped under load: count the failures."""
    ports = [free_port(), free_port()]
    instances = [start_gunicorn(env, port) for port in ports]
    try:
        with nginx_front(ports) as front:
            url = f"http://127.0.0.1:{front}{THREE_FILTERS}"
            for port in ports:  # each worker's facet bitmaps built before the load
                wait_for_facet_bitmaps(port)
            wrk(url, unique=True, duration="3s")  # warm up both instances
            load = wrk_process(url, unique=True, duration="12s")
            time.sleep(4)
            instances[0].terminate()  # graceful: it finishes the requests in flight
            return wrk_result(load)
    finally:
        stop(*instances)


def failover_line(result):
    return (
        f"Failover: two instances behind nginx, the first stopped (SIGTERM) under load: "
        f"{result['requests']} requests, {result['errors']} errors "
        f"({result['non2xx']} non-2xx), p99 {result['p99']:.0f} ms."
    )


def probe(url):
    """(status, Retry-After) of one request."""
    try:
        with urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Retry-After")
    except HTTPError as error:
        return error.code, error.headers.get("Retry-After")
    except OSError as error:  # refused, reset, timed out
        return f"no answer ({getattr(error, 'reason', error)})", None


def scale_out_drill(env, stop_replica, stop_pooler):
    """In the scale-out topology, two instances behind nginx under load for three steps of
    STEP_SECONDS: all up; the replica stopped ACTION_AFTER seconds in; the pooler stopped
    ACTION_AFTER seconds in (the replica still down). A 503 is passed on by nginx as the
    instance gave it (both share the database: the other would answer the same)."""
    ports = [free_port(), free_port()]
    instances = [start_gunicorn(env, port) for port in ports]
    steps = []
    try:
        with nginx_front(ports, retry_on_503=False) as front:
            base = f"http://127.0.0.1:{front}"
            url = base + THREE_FILTERS
            for port in ports:  # warm up each instance's workers, then both through nginx
                wait_for_facet_bitmaps(port)
                wrk(f"http://127.0.0.1:{port}{THREE_FILTERS}", unique=True, duration="2s")
            wrk(url, unique=True, duration="2s")
            for name, action in (
                ("replica and pooler up", None),
                ("replica stopped under load", stop_replica),
                ("pooler stopped under load (replica still stopped)", stop_pooler),
            ):
                load = wrk_process(url, unique=True, duration=f"{STEP_SECONDS}s")
                if action:
                    time.sleep(ACTION_AFTER)
                    action()
                result = wrk_result(load)
                result["probe"] = probe(f"{url}&_probe=1")
                log(f"bench: drill, {name}: {result['non2xx']} non-2xx, probe {result['probe']}")
                steps.append((name, result))
    finally:
        stop(*instances)
    return steps


def scale_out_drill_lines(steps):
    lines = [
        "",
        "Scale-out drill: two instances behind nginx (DATABASE_URL → pgbouncer, "
        "DATABASE_REPLICA_URL → the standby), the index with three filters uncached, "
        f"{STEP_SECONDS} s of load per step, the component stopped {ACTION_AFTER} s into it:",
        "",
        "| step | requests | errors | non-2xx | p99 ms | one request after the step |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, result in steps:
        status, retry_after = result["probe"]
        after = f"{status}" + (f", Retry-After {retry_after}" if retry_after else "")
        lines.append(
            f"| {name} | {result['requests']} | {result['errors']} | {result['non2xx']} | "
            f"{result['p99']:.0f} | {after} |"
        )
    return lines
