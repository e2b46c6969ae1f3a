"""Public reads from a read replica, when one is configured (DATABASE_REPLICA_URL).

The rules (ReplicaRouter, with the request's route kept by ReplicaRoutingMiddleware):
- every write goes to the primary ("default"), and so does every read of a request that wrote
  before it (an ORM write, or any statement on the primary's connection that is not a SELECT);
- a request that may be someone's (a session cookie, an Authorization header), anything under
  /admin/, and any request that is not GET, HEAD or OPTIONS reads from the primary throughout;
- what runs outside a request (management commands, migrations, tests) uses the primary;
  nothing is migrated on the replica;
- the other reads, the public ones, go to the replica while it answers and lags by at most
  DATABASE_REPLICA_MAX_LAG seconds. Each process asks it at most every
  DATABASE_REPLICA_CHECK_SECONDS (one small query); while it is down or late, public reads go
  to the primary. A request whose read from the replica fails (it stopped between two checks)
  is answered again from the primary, once, if it is a GET or HEAD: no 5xx for the visitor.

Without DATABASE_REPLICA_URL there is no "replica" connection and nothing here changes a thing.
"""

import contextlib
import logging
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
RETRIED_METHODS = ("GET", "HEAD")
PRIMARY_PREFIXES = ("/admin/",)
# Lag: nothing to replay is no lag, however long ago the last change was; otherwise the age of
# the last change replayed. A standby that receives nothing from its primary is not usable.
STATUS_SQL = """
SELECT pg_is_in_recovery(),
       NOT pg_is_in_recovery() OR EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       CASE WHEN NOT pg_is_in_recovery()
                 OR pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
            THEN 0
            ELSE COALESCE(
                EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
       END
"""


@dataclass
class Route:
    """Where the reads of one request go."""

    primary: bool = False  # every read from the primary from now on
    used_replica: bool = False
    replica_failed: bool = False


@dataclass
class Health:
    """What this process last learnt of the replica."""

    checked: float = float("-inf")  # time.monotonic()
    status: str = "unknown"  # ok, lagging, not streaming, unreachable
    lag_seconds: float | None = None

    @property
    def usable(self):
        return self.status == "ok"


_route = ContextVar("registre_database_route", default=None)
health = Health()


def configured():
    return REPLICA in connections.settings


def check_replica():
    """Ask the replica how it is (one query, or one failed connection attempt) and remember."""
    health.checked = time.monotonic()
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(STATUS_SQL)
            _in_recovery, receiving, lag = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("replica: unreachable, public reads from the primary (%s)", error)
        health.status, health.lag_seconds = "unreachable", None
        with contextlib.suppress(DatabaseError):
            connections[REPLICA].close()
        return health
    health.lag_seconds = round(float(lag), 3)
    if not receiving:
        health.status = "not streaming"
    elif health.lag_seconds > settings.DATABASE_REPLICA_MAX_LAG:
        health.status = "lagging"
    else:
        health.status = "ok"
    if not health.usable:
        logger.warning("replica: %s, public reads from the primary", health.status)
    return health


def replica_usable():
    if time.monotonic() - health.checked >= settings.DATABASE_REPLICA_CHECK_SECONDS:
        check_replica()
    return health.usable


def status():
    """The replica's state for /healthz and `manage.py replica status`, asked now."""
    check_replica()
    return {"status": health.status, "lag_seconds": health.lag_seconds}


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        route = _route.get()
        if route is None or route.primary or not configured() or not replica_usable():
            return None
        route.used_replica = True
        return REPLICA

    def db_for_write(self, model, **hints):
        route = _route.get()
        if route is not None:
            route.primary = True
        # Not None: an object read from the replica is saved on the primary, not where it came from.
        return DEFAULT_DB_ALIAS if configured() else None

    def allow_relation(self, obj1, obj2, **hints):
        return True if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None


def _reads_from_primary(request):
    return (
        request.method not in SAFE_METHODS
        or request.path_info.startswith(PRIMARY_PREFIXES)
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or "Authorization" in request.headers
    )


def _noting_writes(route):
    def wrapper(execute, sql, params, many, context):
        if not route.primary and not sql.lstrip()[:6].upper().startswith("SELECT"):
            route.primary = True
        return execute(sql, params, many, context)

    return wrapper


def _note_failure(sender, request=None, **kwargs):
    route = _route.get()
    if route is None or not route.used_replica or route.primary:
        return
    if isinstance(sys.exc_info()[1], DatabaseError) and not check_replica().usable:
        route.replica_failed = True


got_request_exception.connect(_note_failure, dispatch_uid="registre-replica-failure")


class ReplicaRoutingMiddleware:
    """The route of each request (see the module); the outermost middleware, so that a page
    the replica failed is built again whole, from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        route = Route(primary=_reads_from_primary(request))
        token = _route.set(route)
        try:
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(_noting_writes(route)):
                response = self.get_response(request)
                if route.replica_failed and request.method in RETRIED_METHODS:
                    route.primary, route.replica_failed = True, False
                    response = self.get_response(request)
        finally:
            _route.reset(token)
        return response
