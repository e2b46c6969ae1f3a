"""Anonymous public pages served from a cache, never stale once a change is committed.

Every change to the registry (a save, a deletion, a publication, a change of links) bumps one
version number in PostgreSQL, in the same transaction as the change. Cached pages are stored
under keys holding that version, and each request reads it (one primary-key lookup), so a
committed change makes every cached page unreachable at once, in every process. Staff (who
have a session cookie) always get fresh pages.
"""

import hashlib
import json

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, router
from django.db.models.signals import m2m_changed, post_delete, post_save

PAGE_TTL = 600  # seconds; entries of older versions are never read again and simply expire
# robots.txt stays a trivial view (the benchmark's baseline); exports stream, never cached.
UNCACHED_PREFIXES = (
    "/admin/", "/api/", "/healthz", "/robots.txt", "/static/", "/media/", "/initiatives/export.",
)  # fmt: skip
REGISTRY_APPS = ("initiatives", "actors")


def reading():
    """The connection public reads go to (a replica, with a database router): the version is
    read where the data is, so a page never holds data older than its version."""
    return connections[router.db_for_read(apps.get_model("portal", "RegistryVersion"))]


def current_version():
    with reading().cursor() as cursor:
        cursor.execute("SELECT number FROM portal_registryversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def remembered(name, parts, compute, version=None):
    """A value computed from the registry (a fragment, such as facet counts), kept under the
    registry's version: like the pages, it is never read again once a change is committed.

    Two levels: this process's cache, then a table every process and server shares, so an
    expensive fragment is computed once per version rather than once per worker. The value
    must survive a JSON round trip (lists, strings, numbers). `version`: the one the page
    cache read for this request, if any.
    """
    if version is None:
        version = current_version()
    digest = hashlib.sha256(repr((name, version, parts)).encode()).hexdigest()
    key = f"{name}:{digest}"
    value = cache.get(key)
    if value is not None:
        return value
    with reading().cursor() as cursor:
        cursor.execute("SELECT value FROM portal_fragment WHERE key = %s", [digest])
        row = cursor.fetchone()
    if row is not None:
        value = json.loads(row[0])
    else:
        value = compute()
        writing = connections[router.db_for_write(apps.get_model("portal", "Fragment"))]
        with writing.cursor() as cursor:
            cursor.execute(STORE_FRAGMENT, [version, digest, version, json.dumps(value)])
    cache.set(key, value, PAGE_TTL)
    return value


# One statement: store the fragment, forget those of older versions.
STORE_FRAGMENT = """
WITH forgotten AS (DELETE FROM portal_fragment WHERE version < %s)
INSERT INTO portal_fragment (key, version, value) VALUES (%s, %s, %s)
ON CONFLICT (key) DO NOTHING
"""


def bump_version(**kwargs):
    """Called on every change to a registry model, inside the change's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO portal_registryversion (id, number) VALUES (1, 1) "
            "ON CONFLICT (id) DO UPDATE SET number = portal_registryversion.number + 1"
        )


def connect_signals():
    for model in apps.get_models():
        if model._meta.app_label in REGISTRY_APPS:
            uid = f"registry-version-{model._meta.label_lower}"
            post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}-delete")
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    _on_m2m_change,
                    sender=field.remote_field.through,
                    dispatch_uid=f"{uid}-{field.name}",
                )


def _on_change(sender, raw=False, **kwargs):
    bump_version()


def _on_m2m_change(sender, action, **kwargs):
    if action.startswith("post_"):
        bump_version()


def _cacheable(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(UNCACHED_PREFIXES)
    )


def _key(request, version):
    variant = request.headers.get("X-Requested-With", "")
    raw = f"{version}|{request.get_full_path()}|{variant}|{request.is_secure()}"
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


class AnonymousPageCacheMiddleware:
    """Whole responses for visitors without a session; placed inside the security middleware so
    that cached pages still get every security header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable(request):
            return self.get_response(request)
        # Kept on the request for the fragments of the page (`remembered`).
        request.registry_version = current_version()
        key = _key(request, request.registry_version)
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "no-store" not in response.get("Cache-Control", "")
        ):
            cache.set(key, response, PAGE_TTL)
        return response
