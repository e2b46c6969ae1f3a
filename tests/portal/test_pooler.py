"""The portal through pgbouncer in transaction pooling mode (portal.embedded_pooler), with the
settings DATABASE_POOLING=transaction gives (portal.settings.pooled): a real pgbouncer on a free
loopback port in front of the test database, public pages and a staff write through it.

The test database's connections (Django's and the cache's) are pointed at the pooler for each
test and back after it; the tests commit (transaction=True), so that each
transaction really is given a server connection of the pool and handed back.
"""

import os
import socket

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.urls import reverse

from initiatives.models import Initiative
from portal import embedded_pooler
from portal.settings import pooled
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db(transaction=True)
POOL_SIZE = 2
ALIASES = ("default", "cache")  # the cache's connection: a mirror of the test database


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def pooler(django_db_setup, django_db_blocker):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("POOLER TEST SKIPPED: it puts pgbouncer in front of the embedded server only")
    if not embedded_pooler.find():
        pytest.skip(
            "POOLER TEST SKIPPED: pgbouncer is not installed (bin/ensure-pgbouncer); "
            + embedded_pooler.INSTALL_HINT
        )
    primary = connections["default"].settings_dict
    running = embedded_pooler.start(primary["HOST"], free_port(), pool_size=POOL_SIZE)
    yield running
    running.stop()
    assert not running.directory.exists()


@pytest.fixture
def through_pooler(pooler, transactional_db):
    """Django's connections to the test database go through the pooler during the test."""
    for connection in connections.all():
        connection.close()
    saved = {alias: dict(connections[alias].settings_dict) for alias in ALIASES}
    for alias, settings_dict in saved.items():
        connections[alias].settings_dict.update(
            pooled({**settings_dict, **pooler.connection_settings()})
        )
    try:
        yield pooler
    finally:
        for connection in connections.all():
            connection.close()
        for alias, settings_dict in saved.items():
            connections[alias].settings_dict.clear()
            connections[alias].settings_dict.update(settings_dict)


def _pool(pooler):
    name = connections["default"].settings_dict["NAME"]
    return next(row for row in pooler.admin("SHOW POOLS") if row["database"] == name)


def _transactions(pooler):
    name = connections["default"].settings_dict["NAME"]
    return next(row for row in pooler.admin("SHOW STATS") if row["database"] == name)[
        "total_xact_count"
    ]


def test_the_pooler_runs_in_transaction_mode_and_django_uses_it(through_pooler):
    config = {row["key"]: row["value"] for row in through_pooler.admin("SHOW CONFIG")}
    assert config["pool_mode"] == "transaction"
    settings_dict = connections["default"].settings_dict
    assert settings_dict["PORT"] == str(through_pooler.port)
    assert settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert settings_dict["OPTIONS"]["prepare_threshold"] is None
    assert connections["cache"].settings_dict["PORT"] == str(through_pooler.port)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT inet_server_port(), current_setting('port')")
        assert cursor.fetchone()[0] is None  # the pooler reached the server on its socket
    assert connections["default"].connection.info.port == through_pooler.port


def test_public_pages_and_a_staff_write_through_the_pooler(through_pooler, make_initiative):
    initiative = make_initiative(title="Une initiative servie par le pooler")
    before = _transactions(through_pooler)
    visitor = Client()
    for address in ("/", "/initiatives/", initiative.get_absolute_url(), "/api/initiatives/"):
        assert visitor.get(address).status_code == 200, address
    assert visitor.get("/api/initiatives/").json()["count"] == 1
    export = visitor.get("/initiatives/export.csv")  # its rows from a cursor, while streamed
    assert export.status_code == 200
    assert "Une initiative servie par le pooler" in b"".join(export.streaming_content).decode()

    staff = Client()
    staff.force_login(
        get_user_model().objects.create_user("agent", is_staff=True, is_superuser=True)
    )
    change = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    response = staff.get(change)
    assert response.status_code == 200
    response = staff.post(change, change_form_data(response, title="Renommée par le pooler"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    initiative.refresh_from_db()
    assert initiative.title == "Renommée par le pooler"
    assert initiative.history.first().title == "Renommée par le pooler"
    assert visitor.get(initiative.get_absolute_url()).status_code == 200
    assert _transactions(through_pooler) > before


def test_more_clients_than_server_connections(through_pooler):
    """Transaction mode: clients that stay connected hold no server connection between their
    transactions, so twice as many clients as the pool's connections all get their turns
    (in session mode the third would wait for one of the first two to disconnect)."""
    connections["default"].ensure_connection()
    connections["cache"].ensure_connection()  # the same settings: a second client
    others = [
        psycopg.connect(through_pooler.url(connections["default"].settings_dict["NAME"]),
                        autocommit=True, prepare_threshold=None, connect_timeout=5)
        for _ in range(2 * POOL_SIZE)
    ]  # fmt: skip
    try:
        for _ in range(3):
            for client in others:
                assert client.execute("SELECT count(*) FROM initiatives_initiative").fetchone()
            assert Client().get("/initiatives/").status_code == 200
        pool = _pool(through_pooler)
        assert pool["cl_active"] + pool["cl_waiting"] >= 2 * POOL_SIZE + 2
        servers = pool["sv_active"] + pool["sv_idle"] + pool["sv_used"] + pool["sv_tested"]
        assert 1 <= servers + pool["sv_login"] <= POOL_SIZE
    finally:
        for client in others:
            client.close()


def test_rows_read_in_chunks_while_another_client_holds_a_transaction(
    through_pooler, make_initiative
):
    """Without DISABLE_SERVER_SIDE_CURSORS, `.iterator()` declares a cursor WITH HOLD in one
    transaction and fetches from it in the next ones: when another client has taken that
    server connection meanwhile, the fetch lands on another one, where the cursor does not
    exist."""
    expected = [make_initiative(title=f"Initiative {number}").pk for number in range(3)]
    name = connections["default"].settings_dict["NAME"]
    other = psycopg.connect(through_pooler.url(name), prepare_threshold=None, connect_timeout=5)
    try:
        rows = Initiative.objects.order_by("pk").values_list("pk", flat=True).iterator(1)
        seen = [next(rows)]
        other.execute("SELECT 1")  # a transaction left open: it keeps its server connection
        seen += list(rows)
    finally:
        other.close()
    assert seen == expected
