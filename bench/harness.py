"""What the parts of `make bench` share: the settings read from the environment, gunicorn,
wrk with bench/report.lua, and nginx in front of several instances."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
DURATION = os.environ.get("BENCH_DURATION", "10s")
# As many connections as cores: the latencies are those of a busy server, not of a queue.
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", str(os.cpu_count()))
WORKERS = os.environ.get("BENCH_WORKERS", str(2 * os.cpu_count() + 1))
THREE_FILTERS = (
    "/initiatives/?thematique=economie-circulaire&territoire=hauts-de-france&de=2010&a=2020"
)
INITIATIVE_PAGE = "/initiatives/transformation-ecologique-et-sociale-de-la-region/"
REPORTER = ROOT / "bench" / "report.lua"


def log(message):
    print(message, file=sys.stderr, flush=True)


def require(program, package):
    if shutil.which(program):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"bench: installing {package} from Debian's packages…")
        subprocess.run(["apt-get", "update", "-q"], capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", package], capture_output=True)
    if not shutil.which(program):
        sys.exit(f"bench: {program} is missing; install Debian's package {package}.")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env, port):
    process = subprocess.Popen(
        [GUNICORN, "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", WORKERS,
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    # Answering: its workers have loaded Django (on a busy machine, seconds after it listens).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("bench: gunicorn did not start")


def wait_for_facet_bitmaps(port, timeout=300):
    """Each worker builds its facet bitmaps in the background on its first filtered index
    (seconds at a million initiatives, the SQL counting meanwhile): measure once all have."""
    started, in_a_row, number = time.monotonic(), 0, 0
    while in_a_row < 4 * int(WORKERS) and time.monotonic() - started < timeout:
        number += 1
        path = THREE_FILTERS.replace("de=2010", f"de={1950 + number % 60}") + f"&w={number}"
        with urlopen(f"http://127.0.0.1:{port}{path}") as response:
            counted_from = response.headers.get("X-Registre-Facets")
        in_a_row = in_a_row + 1 if counted_from == "bitmaps" else 0
        if not in_a_row:
            time.sleep(0.5)
    log(f"bench: facet bitmaps ready in every worker after {time.monotonic() - started:.0f} s")


def stop(*processes):
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        process.wait(timeout=30)


def wrk_process(url, unique=False, duration=DURATION, new_period=False):
    """wrk running in the background; its result with `wrk_result`."""
    env = {**os.environ, "UNIQUE": "1" if unique else "0", "NEW_PERIOD": "1" if new_period else "0"}
    return subprocess.Popen(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--timeout", "10s",
         "-s", str(REPORTER), url],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def wrk_result(process):
    output, _ = process.communicate()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, process.args, output)
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def wrk(url, unique=False, duration=DURATION, new_period=False):
    return wrk_result(wrk_process(url, unique, duration, new_period))


@contextmanager
def nginx_front(ports, retry_on_503=True):
    """nginx on a free port in front of gunicorn instances on `ports`; yields its port.

    With retry_on_503, a 503 is tried again on the next instance (an instance stopping);
    without it, a 503 reaches the client as the instance gave it (the database they share
    is down: another instance would answer the same, and nginx would mark them all down)."""
    front = free_port()
    work = Path(tempfile.mkdtemp(prefix="registre-bench-"))
    upstreams = "".join(f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports)
    next_upstream = "error timeout http_502" + (" http_503" if retry_on_503 else "")
    (work / "nginx.conf").write_text(
        f"""worker_processes 1; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 256; }}
http {{ access_log off; client_body_temp_path {work}; proxy_temp_path {work};
  fastcgi_temp_path {work}; uwsgi_temp_path {work}; scgi_temp_path {work};
  upstream portal {{ {upstreams} keepalive 16; }}
  server {{ listen 127.0.0.1:{front};
    location / {{ proxy_pass http://portal; proxy_http_version 1.1;
      proxy_set_header Connection ""; proxy_set_header Host localhost;
      proxy_next_upstream {next_upstream}; }} }} }}
"""
    )
    nginx = subprocess.Popen(["nginx", "-c", str(work / "nginx.conf"), "-g", "daemon off;"])
    time.sleep(1)
    try:
        yield front
    finally:
        stop(nginx)
        shutil.rmtree(work, ignore_errors=True)
