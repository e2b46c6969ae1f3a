"""pgbouncer (Debian's package) in transaction pooling mode in front of the embedded server,
for the bench's scale-out run and its test (the portal then runs with DATABASE_POOLING=transaction).

Its configuration is written to a directory of its own (a temporary one), with a password
made for that run only: pgbouncer listens on loopback TCP and asks each client for it (SCRAM),
and reaches the server on its socket as the embedded server's superuser, whom the socket's
`trust` rule lets in. Nothing of it is kept: `Pooler.stop()` removes the directory.
"""

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from portal.embedded_db import SUPERUSER, _system_user

PROGRAM = "pgbouncer"
INSTALL_HINT = "install Debian's package as root: apt-get install pgbouncer"
CONFIG = """[databases]
* = host={socket_dir} port={server_port} user={user}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {directory}/users.txt
admin_users = {user}
pool_mode = transaction
default_pool_size = {pool_size}
reserve_pool_size = 0
max_client_conn = 200
server_lifetime = 3600
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
"""


def find():
    """pgbouncer's path, or None (Debian puts it in /usr/sbin, outside some PATHs)."""
    return shutil.which(PROGRAM) or shutil.which(PROGRAM, path="/usr/sbin:/usr/local/sbin")


@dataclass
class Pooler:
    process: subprocess.Popen
    directory: Path
    port: int
    password: str
    pool_size: int

    def url(self, name):
        """A DATABASE_URL for `name` through the pooler."""
        return f"postgres://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{name}"

    def connection_settings(self):
        """HOST, PORT, USER and PASSWORD of Django's DATABASES entry for the pooler."""
        return {
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "USER": SUPERUSER,
            "PASSWORD": self.password,
        }

    def admin(self, command):
        """The rows of an admin console command (SHOW POOLS, SHOW CONFIG…), as dicts."""
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            dbname="pgbouncer",
            autocommit=True,
            prepare_threshold=None,
            row_factory=dict_row,
        ) as console:
            cursor = console.cursor()
            cursor.execute(command)
            return cursor.fetchall()

    def running(self):
        return self.process.poll() is None

    def stop(self):
        """Stop pgbouncer (SIGTERM: at once, its clients are cut off) and remove its files."""
        if self.running():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def start(socket_dir, port, server_port=5432, pool_size=4, program=None):
    """Start pgbouncer on 127.0.0.1:`port` in front of the server listening in `socket_dir`."""
    program = program or find()
    if not program:
        raise FileNotFoundError(f"{PROGRAM} is not installed; {INSTALL_HINT}")
    directory = Path(tempfile.mkdtemp(prefix="registre-pgbouncer-"))
    password = secrets.token_urlsafe(24)
    (directory / "users.txt").write_text(f'"{SUPERUSER}" "{password}"\n')
    (directory / "users.txt").chmod(0o600)
    config = directory / "pgbouncer.ini"
    config.write_text(
        CONFIG.format(
            socket_dir=socket_dir,
            server_port=server_port,
            user=SUPERUSER,
            port=port,
            directory=directory,
            pool_size=pool_size,
        )
    )
    command = [program, "--quiet", str(config)]
    user = _system_user()
    if user:  # pgbouncer refuses to run as root: as the embedded server's system user
        for path in (directory, *directory.iterdir()):
            shutil.chown(path, user)
        command[1:1] = ["-u", user]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    pooler = Pooler(process, directory, port, password, pool_size)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not pooler.running():
            log = (directory / "pgbouncer.log").read_text(errors="replace")[-500:]
            pooler.stop()
            raise RuntimeError(f"pgbouncer stopped at start: {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return pooler
        except OSError:
            time.sleep(0.05)
    pooler.stop()
    raise RuntimeError("pgbouncer did not listen within 10 s")


def environment_for(pooler, name, base=None):
    """The environment of a portal process whose primary is reached through the pooler."""
    return {
        **(os.environ if base is None else base),
        "DATABASE_URL": pooler.url(name),
        "DATABASE_POOLING": "transaction",
    }
