"""Backups: the database (pg_dump, custom format) and the uploaded files, in one archive.

`restore` only writes into an empty database, so a restore never mixes two registries.
"""

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

DATABASE_MEMBER = "database.dump"
MEDIA_MEMBER = "media"


class BackupError(Exception):
    pass


def client_program(name):
    """pg_dump/pg_restore of the embedded wheel (same major version as its server), else PATH."""
    try:
        from portal.embedded_db import _import_wheel

        program = Path(_import_wheel().__file__).parent / "pginstall" / "bin" / name
        if program.exists():
            return str(program)
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} est introuvable : installez le client PostgreSQL.")
    return found


# libpq settings that may come through OPTIONS (e.g. DATABASE_URL "?host=/socket&sslmode=…").
LIBPQ_OPTIONS = {"host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"}


def conninfo(database, **overrides):
    """A libpq connection string for Django's DATABASES entry (the password stays out)."""
    from psycopg.conninfo import make_conninfo

    params = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }
    for key, value in (database.get("OPTIONS") or {}).items():
        if key in LIBPQ_OPTIONS and not params.get(key):
            params[key] = value
    params.update(overrides)
    return make_conninfo(**{key: str(value) for key, value in params.items() if value})


def password_env(database):
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return env


def connect(database, **overrides):
    import psycopg

    return psycopg.connect(
        conninfo(database, **overrides), password=database.get("PASSWORD") or None, autocommit=True
    )


def backup(database, media_root, destination):
    """Write a .tar.gz holding database.dump and media/; return its path."""
    dump = subprocess.run(
        [
            client_program("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--dbname",
            conninfo(database),
        ],
        capture_output=True,
        env=password_env(database),
        check=False,
    )
    if dump.returncode != 0:
        raise BackupError(f"pg_dump a échoué : {dump.stderr.decode(errors='replace').strip()}")
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(destination, "w:gz") as archive:
        info = tarfile.TarInfo(DATABASE_MEMBER)
        info.size = len(dump.stdout)
        archive.addfile(info, io.BytesIO(dump.stdout))
        if Path(media_root).is_dir():
            archive.add(media_root, arcname=MEDIA_MEMBER)
    return destination


def is_empty(database):
    with connect(database) as connection:
        row = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    return row[0] == 0


def restore(archive_path, database, media_root):
    """Restore an archive made by `backup` into an empty database and a media folder."""
    if not is_empty(database):
        raise BackupError(
            f"La base « {database['NAME']} » n'est pas vide : restaurez dans une base neuve."
        )
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive_path, "r:gz") as archive:
        archive.extractall(work, filter="data")
        result = subprocess.run(
            [
                client_program("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                conninfo(database),
                str(Path(work) / DATABASE_MEMBER),
            ],
            capture_output=True,
            env=password_env(database),
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(
                f"pg_restore a échoué : {result.stderr.decode(errors='replace').strip()}"
            )
        media = Path(work) / MEDIA_MEMBER
        if media.is_dir():
            shutil.copytree(media, media_root, dirs_exist_ok=True)
