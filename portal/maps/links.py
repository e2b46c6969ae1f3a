"""Addresses of the map, the index's other filters kept: one place for the map's own links
and for the index's filters that lead to it."""

from django.http import QueryDict
from django.urls import reverse


def query_with(params, **changes):
    """The query string of `params` (a QueryDict, or a dict of single values) without its page
    and zone, each of `changes` replacing its parameter (a list for several values; an empty
    value drops it)."""
    query = QueryDict(mutable=True)
    for key in params:
        if key not in ("page", "zone", *changes):
            query.setlist(key, params.getlist(key) if hasattr(params, "getlist") else [params[key]])
    for key, value in changes.items():
        if value:
            query.setlist(key, value if isinstance(value, list) else [value])
    return query.urlencode()


def map_url(params, zone=None, **changes):
    query = query_with(params, zone=zone, **changes)
    return reverse("initiative_map") + (f"?{query}" if query else "")
