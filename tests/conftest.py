import collections
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import caches
from django.core.management import call_command
from django.db import connections, transaction
from django.db.models.signals import post_migrate
from django.test import Client, TransactionTestCase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import staff
from tests.support import template_db
from tests.support.factories import (
    new_initiative,
    new_organisation,
    new_person,
    new_territory,
    serial,
)

# The shared cache has a connection of its own (a mirror of the test database): every test
# that uses the database may use it.
TransactionTestCase.databases = {"default", "cache"}

# With `--dist loadscope` each module runs whole on one worker, and the modules are handed out
# in the order collected (`--no-loadscope-reorder`: xdist would otherwise start with the modules
# of most tests and leave the longest single tests, like the stateful one, to run alone at the
# end). The longest modules, as `--durations` measured them, start first; the others follow,
# those of most tests first. Tests keep their order within a module.
LONGEST_FIRST = [
    "tests/portal/test_trust_stateful.py",
    "tests/portal/test_access_matrix.py",
    "tests/portal/test_fuzz.py",
    "tests/browser/test_pages_in_browser.py",
    "tests/portal/test_opendata_dump.py",
    "tests/portal/test_public_queries.py",
    "tests/browser/test_review_in_browser.py",
    "tests/browser/test_locator_in_browser.py",
    "tests/portal/test_exports.py",
    "tests/portal/test_admin_in_french.py",
    "tests/browser/test_map_in_browser.py",
    "tests/portal/test_replica.py",
    "tests/portal/test_facet_index.py",
]


def pytest_collection_modifyitems(items):
    module = {item: item.nodeid.partition("::")[0] for item in items}
    sizes = collections.Counter(module.values())
    rank = {path: number for number, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: (rank.get(module[item], len(rank)), -sizes[module[item]]))


_password_only_login = Client.force_login


def _force_login_with_second_factor(client, user, backend=None):
    """A test that signs a staff member in means a complete sign-in: the admin refuses a
    reviewer's session without a verified second factor (portal.two_factor), so one is
    enrolled and verified here. The tests of the second factor itself use the password form,
    or `force_login_password_only`."""
    _password_only_login(client, user, backend)
    if user.is_staff:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="tests", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


Client.force_login = _force_login_with_second_factor
Client.force_login_password_only = _password_only_login


def _staff_groups_back(sender, **kwargs):
    # A transactional test (the live server's) ends with a flush, which empties the groups the
    # migrations made; flush then sends post_migrate, app by app. With the suite spread over
    # workers a test needing the groups may follow it on the same database: they are made again
    # once the last app has its permissions back.
    from django.apps import apps

    if sender is list(apps.get_app_configs())[-1]:
        staff.sync_staff_groups(apps)


post_migrate.connect(_staff_groups_back, dispatch_uid="tests_staff_groups_back")


TEMPLATE = pytest.StashKey()


def pytest_configure(config):
    # The controller of pytest-xdist's workers migrates one template for them all, while they
    # start (tests/support/template_db.py).
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        from django.db import connection

        name = f"{connection.creation._get_test_db_name()}_template"
        config.stash[TEMPLATE] = template_db.Template(name)


def pytest_unconfigure(config):
    if TEMPLATE in config.stash:
        from django.db import connection

        config.stash[TEMPLATE].close(connection.settings_dict)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    template = node.config.stash[TEMPLATE]
    node.workerinput["registre_template"] = [template.name, str(template.folder)]


def _template(config):
    """(name, folder) of the controller's template in a worker, else None."""
    return getattr(config, "workerinput", {}).get("registre_template")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, request):
    # Once the workers' databases are named: each one a copy of the template.
    if template := _template(request.config):
        from django.db import connection

        name, folder = template
        template_db.wait_until_built(folder)
        template_db.copy(connection.settings_dict, name, connection.creation._get_test_db_name())


@pytest.fixture(scope="session")
def django_db_keepdb(django_db_keepdb, request):
    # A copy of the template is an existing test database: migrate finds nothing to apply.
    return django_db_keepdb or _template(request.config) is not None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """The test database, and a copy of it as the migrations left it, for the tests that need
    a second migrated database (a copy costs a second, migrating again twenty)."""
    from django.db import connection, connections

    source = connection.settings_dict
    template = _template(request.config)
    with django_db_blocker.unblock():
        if template is None:
            connections.close_all()  # PostgreSQL copies a database nobody is connected to
        origin = template[0] if template else source["NAME"]
        template_db.copy(source, origin, migrated_copy())
    yield
    with django_db_blocker.unblock():
        template_db.drop(source, migrated_copy())
        if template:  # pytest-django drops no database it was given
            connections.close_all()
            template_db.drop(source, source["NAME"])


def migrated_copy():
    from django.db import connection

    return f"{connection.settings_dict['NAME']}_migrated"


@pytest.fixture(scope="session", autouse=True)
def _close_the_cache_connection(django_db_setup):
    # Its own connection to the test database: closed before the database is dropped.
    yield
    connections["cache"].close()


@pytest.fixture(autouse=True)
def _empty_page_cache(request):
    # The registry's versions live in the database and go back after each test: pages cached
    # by one test must not answer the next one. The shared cache is a database table (emptied
    # only for tests that use the database: the others cannot have filled it), and so are the
    # rate limits' counts, which a test that commits would leave to the next one.
    caches["local"].clear()
    if request.node.get_closest_marker("django_db"):
        with request.getfixturevalue("django_db_blocker").unblock():
            request.getfixturevalue("django_db_setup")
            caches["default"].clear()
            with connections["cache"].cursor() as cursor:
                cursor.execute("DELETE FROM portal_windowcount")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs a third of a second per user created; tests do not need the strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@contextmanager
def seeded_database(config):
    """Yields True with every connection on a copy of the seeded template (the seed data as
    `load_demo` loads it: tests/support/template_db.py) until the module ends; yields False,
    changing nothing, in a run without workers: the caller loads the seed itself."""
    template = _template(config)
    if template is None:
        yield False
        return
    from django.db import connection

    name, folder = template
    template_db.wait_until_built(folder, "seeded")
    copy_of = f"{connection.settings_dict['NAME']}_seeded"
    template_db.copy(connection.settings_dict, template_db.seeded(name), copy_of)
    try:
        with template_db.switched_to(copy_of):
            yield True
    finally:
        template_db.drop(connection.settings_dict, copy_of)


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker, request):
    """The seed fixtures, loaded once per test module and rolled back after it.

    They stay loaded until the module ends: use it in modules whose every test wants them
    (`pytestmark = pytest.mark.usefixtures("demo_data")`), never beside tests that don't.
    """
    with (
        django_db_blocker.unblock(),
        seeded_database(request.config) as seeded,
        transaction.atomic(),
    ):
        if not seeded:
            call_command("load_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def make_initiative():
    return new_initiative


@pytest.fixture
def make_territory():
    return new_territory


@pytest.fixture
def make_organisation():
    return new_organisation


@pytest.fixture
def make_person():
    return new_person


@pytest.fixture
def make_staff():
    def make(group_name):
        user = User.objects.create_user(
            f"agent{next(serial)}", password="un mot de passe assez long", is_staff=True
        )
        user.groups.add(Group.objects.get(name=group_name))
        return user

    return make


@pytest.fixture
def writer(make_staff):
    return make_staff(staff.WRITER)


@pytest.fixture
def reviewer(make_staff):
    return make_staff(staff.REVIEWER)
