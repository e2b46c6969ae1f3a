"""Anonymous public pages and computed fragments served from a cache, never stale once a change
is committed, and not flushed by changes the public cannot see.

PostgreSQL notes every committed change the public can see (`portal.RegistryChange`, kept by
triggers whatever wrote the data), in two sections: "pages" (anything shown on a public page)
and "counts" (the counts of the public index). Cached pages are keyed on the pages version and
facet counts on the counts version, read once a request; so a draft save changes neither, an
edit of a published text changes the pages but keeps every facet count cached, and only a
change of what is counted (a publication, a re-filing) recomputes the counts.

Entries live in Django's cache framework ("default": the database cache unless a Redis URL is
configured, shared by every process and server), with this process's memory in front of it.
Staff (who have a session cookie) always get fresh pages.
"""

import base64
import hashlib
import pickle
import random
from datetime import UTC, datetime

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.cache import cc_delim_re

from initiatives.memory import as_they_are

PAGE_TTL = 600  # seconds; entries of older versions are never read again and simply expire
# robots.txt stays a trivial view (the benchmark's baseline); exports stream, never cached.
UNCACHED_PREFIXES = (
    "/admin/", "/api/", "/healthz", "/robots.txt", "/static/", "/media/", "/initiatives/export.",
)  # fmt: skip
SECTIONS = ("pages", "counts")
CACHE_HEADER = "X-Registre-Cache"  # "hit" or "miss", for operators and `make bench`


class CacheRouter:
    """The database cache's table is read and written through the "cache" connection (the same
    database), so that its round trips are not part of the request's transaction; nothing is
    migrated through that connection."""

    def _route(self, model):
        return "cache" if model._meta.app_label == "django_cache" else None

    def db_for_read(self, model, **hints):
        return self._route(model)

    def db_for_write(self, model, **hints):
        return self._route(model)

    def allow_migrate(self, db, app_label, **hints):
        return False if db == "cache" else None


class PostgresCache(DatabaseCache):
    """Django's database cache, writing an entry in one statement (an upsert) instead of
    counting the table and reading the key first, and forgetting expired entries now and then
    (about one write in CULL_CHANCE); `incr` is atomic across processes (a row lock)."""

    CULL_CHANCE = 100

    def _write_connection(self):
        return connections[router.db_for_write(self.cache_model_class)]

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        expires = datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=UTC)
        connection = self._write_connection()
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        table = connection.ops.quote_name(self._table)
        with connection.cursor() as cursor:
            if random.randrange(self.CULL_CHANCE) == 0:
                cursor.execute(f"DELETE FROM {table} WHERE expires < now()")
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "
                "ON CONFLICT (cache_key) DO UPDATE "
                "SET value = EXCLUDED.value, expires = EXCLUDED.expires",
                [key, encoded, connection.ops.adapt_datetimefield_value(expires)],
            )

    def incr(self, key, delta=1, version=None):
        connection = self._write_connection()
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(self._table)
                cursor.execute(
                    f"SELECT expires FROM {table} WHERE cache_key = %s FOR UPDATE",
                    [self.make_and_validate_key(key, version=version)],
                )
                row = cursor.fetchone()
            value = self.get(key, version=version)
            if row is None or value is None:
                raise ValueError(f"Key '{key}' not found")
            value += delta
            remaining = (row[0] - datetime.now(tz=UTC)).total_seconds()
            self.set(key, value, max(1, int(remaining)), version=version)
        return value


class TieredCache:
    """This process's memory in front of the shared cache: a hit in memory costs no round trip,
    a miss there reads the shared cache (and remembers what it found)."""

    def __init__(self):
        self.local = caches["local"]
        self.shared = caches["default"]

    def get(self, key, default=None):
        value = self.local.get(key)
        if value is None:
            value = self.shared.get(key)
            if value is not None:
                self.local.set(key, value, PAGE_TTL)
        return default if value is None else value

    def set(self, key, value, timeout=PAGE_TTL):
        self.shared.set(key, value, timeout)
        self.local.set(key, value, timeout)


tiered = TieredCache()


def reading():
    """The connection public reads go to (a replica, with a database router): the versions are
    read where the data is, so a page never holds data older than its version."""
    return connections[router.db_for_read(apps.get_model("portal", "RegistryChange"))]


def current_versions():
    """{section: version}, each the number of committed changes noted in that section."""
    with reading().cursor() as cursor:
        cursor.execute("SELECT section, SUM(weight) FROM portal_registrychange GROUP BY section")
        versions = dict(cursor.fetchall())
    return {section: int(versions.get(section, 0)) for section in SECTIONS}


def versions_for(request):
    """The versions read once for this request (by the page cache), or read now."""
    versions = getattr(request, "registry_versions", None) if request is not None else None
    return versions or current_versions()


def remembered(name, parts, compute, request=None, section="counts", as_is=False):
    """A value computed from the registry (a fragment, such as facet counts), kept under the
    version of its section: like the pages, it is never read again once a change in that
    section is committed, and it is computed once per version for every process and server.

    `as_is` also keeps the value itself in this process, for large values read at every
    request (a tree's shape): unpickling them from the local cache each time cost more than
    what they save. The caller must never change such a value.
    """
    version = versions_for(request)[section]
    digest = hashlib.sha256(repr((name, section, version, parts)).encode()).hexdigest()
    key = f"fragment:{name}:{digest}"
    if as_is and (value := as_they_are.get(key)) is not None:
        return value
    value = tiered.get(key)
    if value is None:
        value = compute()
        tiered.set(key, value)
    if as_is:
        as_they_are.set(key, value, PAGE_TTL)
    return value


def _cacheable(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(UNCACHED_PREFIXES)
    )


def _page_key(request):
    # The scheme, host and full path, under the version of the public pages.
    variant = request.headers.get("X-Requested-With", "")
    raw = f"{request.registry_versions['pages']}|{request.build_absolute_uri()}|{variant}"
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _varied_on(response):
    return sorted(
        header.strip().lower() for header in cc_delim_re.split(response.get("Vary", "")) if header
    )


def _values_of(request, headers):
    return [request.headers.get(header, "") for header in headers]


class AnonymousPageCacheMiddleware:
    """Whole responses for visitors without a session; placed inside the security middleware so
    that cached pages still get every security header.

    A stored page keeps the headers it varies on (`Vary`) and their values in the request that
    built it: a request that differs in one of them is not answered from it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable(request):
            return self.get_response(request)
        # Kept on the request for the fragments of the page (`remembered`).
        request.registry_versions = current_versions()
        key = _page_key(request)
        cached = tiered.get(key)
        if cached is not None:
            headers, values, response = cached
            if _values_of(request, headers) == values:
                response[CACHE_HEADER] = "hit"
                return response
        response = self.get_response(request)
        response[CACHE_HEADER] = "miss"
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "no-store" not in response.get("Cache-Control", "")
            and "private" not in response.get("Cache-Control", "")
        ):
            headers = _varied_on(response)
            if "*" not in headers:
                tiered.set(key, (headers, _values_of(request, headers), response), PAGE_TTL)
        return response
