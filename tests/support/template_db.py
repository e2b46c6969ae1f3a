"""One migrated database for a whole run over pytest-xdist's workers.

Each worker used to migrate a test database of its own: twenty seconds, on every core at once.
The controller, which runs no test, now migrates one template in a process of its own while
the workers start and collect; each worker then copies it (CREATE DATABASE … TEMPLATE, about
a second) and pytest-django keeps that copy as an existing test database (`--reuse-db`'s path:
Django runs `migrate`, which finds nothing to apply). A run without workers migrates as before.

The same process then copies the template once more and loads the seed data into that copy
with `load_demo`: the seeded template. A module or test that wants the seed (`demo_data`,
`shared_demo_site`, `demo_site`) gets a copy of it for itself, its connections switched to the
copy until it ends, instead of running `load_demo` again (three to five seconds, and a flush after
the modules that commit it).

`python -m tests.support.template_db NAME FOLDER` builds the template NAME as Django's test
runner builds a test database (the same settings, `migrate --run-syncdb`, `createcachetable`),
then NAME_seeded; FOLDER receives how each went ("migrated" and "seeded": "ok" or "failed").
"""

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
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
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for name in (self.name, seeded(self.name)):
            drop(settings_dict, name)
        for path in self.folder.iterdir():
            path.unlink()
        self.folder.rmdir()


def seeded(template):
    return f"{template}_seeded"


def wait_until_built(folder, step="migrated"):
    """The worker's side: returns once the template (or the seeded one) is there, fails with
    the build's output if it could not be made."""
    folder = Path(folder)
    status = folder / step
    deadline = time.monotonic() + WAIT_SECONDS
    while not status.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no test database template ({step}) after {WAIT_SECONDS} s")
        time.sleep(0.1)
    if status.read_text() != "ok":
        log = (folder / "build.log").read_text(errors="replace")
        raise RuntimeError(f"the test database template could not be built:\n{log}")


def copy(settings_dict, template, name):
    """A fresh test database `name`, copied from the template."""
    with _admin(settings_dict) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def drop(settings_dict, name):
    with _admin(settings_dict) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(settings_dict):
    from portal.backups import connect

    return connect(settings_dict, dbname="postgres")


@contextmanager
def switched_to(name):
    """Every connection of this process (the live server's threads included: they share the
    settings) on the database `name`, then back on their own.

    The content types' ids are cached by the process, and they differ between databases (a
    flush after a transactional test makes them again with new ids): the cache is emptied at
    each switch."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    open_blocks = [alias for alias in connections if connections[alias].in_atomic_block]
    if open_blocks:  # closing would lose them: switch before any transaction starts
        raise RuntimeError(f"a transaction is open on {open_blocks}: cannot switch databases")
    connections.close_all()
    before = {alias: connections[alias].settings_dict["NAME"] for alias in connections}
    # The other connections mirror the default one in tests (settings' "TEST": "MIRROR").
    for alias in connections:
        connections[alias].settings_dict["NAME"] = name
    ContentType.objects.clear_cache()
    try:
        yield
    finally:
        connections.close_all()
        for alias, old in before.items():
            connections[alias].settings_dict["NAME"] = old
        ContentType.objects.clear_cache()


def migrate(name):
    from django.core.management import call_command
    from django.db import connections

    drop(_default_settings(), name)
    with _admin(_default_settings()) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    with switched_to(name):  # closed after: PostgreSQL copies a database nobody is connected to
        call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
        call_command("createcachetable", database="default")
        connections["default"].close()


def seed(name):
    from django.core.management import call_command

    copy(_default_settings(), name, seeded(name))
    with switched_to(seeded(name)):
        call_command("load_demo", verbosity=0)


def _default_settings():
    from django.db import connections

    return connections["default"].settings_dict


def step(folder, name, build, *args):
    written = Path(folder) / f"{name}.new"
    try:
        build(*args)
    except BaseException:
        written.write_text("failed")
        raise
    else:
        written.write_text("ok")
    finally:
        written.rename(written.with_name(name))  # whole, for the workers that watch it


def main(name, folder):
    import django
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    try:
        step(folder, "migrated", migrate, name)
    except BaseException:
        (Path(folder) / "seeded").write_text("failed")
        raise
    step(folder, "seeded", seed, name)


if __name__ == "__main__":
    main(*sys.argv[1:])
