"""One migrated database for a whole run over pytest-xdist's workers.

Each worker used to migrate a test database of its own: twenty seconds, on every core at once.
The controller, which runs no test, now migrates one template in a process of its own while
the workers start and collect; each worker then copies it (CREATE DATABASE … TEMPLATE, about
a second) and pytest-django keeps that copy as an existing test database (`--reuse-db`'s path:
Django runs `migrate`, which finds nothing to apply). A run without workers migrates as before.

`python -m tests.support.template_db NAME` builds the template NAME as Django's test runner
builds a test database: the same settings, `migrate --run-syncdb`, then `createcachetable`.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WAIT_SECONDS = 900


class Template:
    """The controller's side: the building process, and where it says how it went."""

    def __init__(self, name):
        self.name = name
        self.folder = Path(tempfile.mkdtemp(prefix="registre-template-"))
        self.log = self.folder / "build.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.template_db", name, str(self.folder)],
                cwd=Path(__file__).resolve().parents[2],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    def close(self, settings_dict):
        """After the run: the process ended, the template dropped, the folder removed."""
        from portal.backups import connect

        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        with connect(settings_dict, dbname="postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        for path in self.folder.iterdir():
            path.unlink()
        self.folder.rmdir()


def wait_until_built(folder):
    """The worker's side: returns once the template is there, fails with the build's output if
    it could not be made."""
    folder = Path(folder)
    status = folder / "status"
    deadline = time.monotonic() + WAIT_SECONDS
    while not status.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no test database template after {WAIT_SECONDS} s")
        time.sleep(0.1)
    if status.read_text() != "ok":
        log = (folder / "build.log").read_text(errors="replace")
        raise RuntimeError(f"the test database template could not be built:\n{log}")


def copy(settings_dict, template, name):
    """A fresh test database `name`, copied from the template."""
    from portal.backups import connect

    with connect(settings_dict, dbname="postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def drop(settings_dict, name):
    from portal.backups import connect

    with connect(settings_dict, dbname="postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build(name):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import setup_test_environment

    from portal.backups import connect

    setup_test_environment()
    with connect(connections["default"].settings_dict, dbname="postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    # The other connections mirror the default one in tests (settings' "TEST": "MIRROR").
    for alias in connections:
        settings.DATABASES[alias]["NAME"] = name
        connections[alias].settings_dict["NAME"] = name
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    call_command("createcachetable", database="default")
    connections.close_all()  # PostgreSQL copies a database nobody is connected to


def main(name, folder):
    written = Path(folder) / "status.new"
    try:
        build(name)
    except BaseException:
        written.write_text("failed")
        raise
    else:
        written.write_text("ok")
    finally:
        written.rename(written.with_name("status"))  # whole, for the workers that watch it


if __name__ == "__main__":
    main(*sys.argv[1:])
