"""Access to open data (the API and the exports): CORS for any origin, read-only methods, and a
fixed-window rate limit per client address kept in the database, so that every process and
server counts together."""

import random
import time
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from portal.opendata import licence_link

# Requests per client address and window; tests patch them.
RATE_LIMIT = 120
RATE_WINDOW = 60  # seconds

ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")


def now():
    return time.time()


def client_ip(request):
    """The client's address; behind DJANGO_PROXY_COUNT trusted proxies, the one they saw."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    if proxies and len(forwarded) >= proxies and forwarded[-proxies]:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


# One statement, whatever came before: the first count of a name, or of its next window, is 1.
COUNT_ONE_MORE = """
INSERT INTO portal_windowcount AS counted (name, ends, count) VALUES (%s, %s, 1)
ON CONFLICT (name) DO UPDATE
SET count = CASE WHEN counted.ends >= EXCLUDED.ends THEN counted.count + 1 ELSE 1 END,
    ends = GREATEST(counted.ends, EXCLUDED.ends)
RETURNING count
"""
FORGET_CHANCE = 100  # about one count in this many forgets the windows that ended


def count_in_window(name, window, moment):
    """One more under `name` in the current fixed window of `window` seconds: the count so far
    in that window.

    Counted in the database's `portal_windowcount`, one row per name, through the shared
    cache's connection: outside the request's transaction, so that a client's concurrent
    requests never wait on each other's row, and on the primary even when reads go to a
    replica.
    """
    ends = datetime.fromtimestamp((moment // window + 1) * window, tz=UTC)
    with connections["cache"].cursor() as cursor:
        if random.randrange(FORGET_CHANCE) == 0:
            cursor.execute(
                "DELETE FROM portal_windowcount WHERE ends < %s",
                [datetime.fromtimestamp(moment, tz=UTC)],
            )
        cursor.execute(COUNT_ONE_MORE, [name, ends])
        return cursor.fetchone()[0]


def wait_before_retry(name, limit, window):
    """Count one more under `name` (a client's address and what it asks for) in its fixed
    window: None when at most `limit` came in it, else the wait in seconds until the next."""
    moment = now()
    if count_in_window(name, window, moment) <= limit:
        return None
    return max(1, int((moment // window + 1) * window - moment + 0.999))


def seconds_before_retry(request):
    """Count the request in its address's window: None when allowed, else the wait in seconds."""
    return wait_before_retry(f"open-data-rate:{client_ip(request)}", RATE_LIMIT, RATE_WINDOW)


CATALOGUE_PATH = "/donnees/catalogue.jsonld"


def is_open_data_address(path):
    """Whether the API, the exports or the catalogue answer this path, whether it names
    something or not."""
    return (
        (path.startswith("/api/") and path != "/api/")
        or path.startswith("/initiatives/export.")
        or path == CATALOGUE_PATH
    )


def opened(response):
    """The headers every open-data answer carries, errors included."""
    response["Allow"] = ", ".join(ALLOWED_METHODS)
    response["Link"] = licence_link()
    response["Access-Control-Allow-Origin"] = "*"
    # Open data may be embedded anywhere, unlike the pages (portal.security).
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def error_answer(status, errors):
    """A JSON error with the open-data headers, for answers given outside `open_data` (a
    server error)."""
    return opened(
        JsonResponse({"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})
    )


def open_data(view):
    """For the exports and the API: readable from any origin, read-only, rate-limited.

    CORS headers go on GET and HEAD answers (errors included, so that a script can read them);
    OPTIONS answers the preflight; any other method gets 405 (exempt from CSRF, since nothing
    is ever written). Responses are public data: no cookie or credential is involved. Every
    answer names the data's licence in a Link header.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
            response["Access-Control-Allow-Headers"] = "*"
            response["Access-Control-Max-Age"] = "86400"
        elif request.method not in ("GET", "HEAD"):
            response = JsonResponse(
                {
                    "errors": {
                        "method": [f"Méthode {request.method[:20]} non permise : lecture seule."]
                    }
                },
                status=405,
                json_dumps_params={"ensure_ascii": False},
            )
        elif (wait := seconds_before_retry(request)) is not None:
            response = JsonResponse(
                {
                    "errors": {
                        "rate_limit": [
                            f"Trop de requêtes : {RATE_LIMIT} par {RATE_WINDOW} secondes au plus "
                            f"par adresse. Réessayez dans {wait} secondes."
                        ]
                    }
                },
                status=429,
                json_dumps_params={"ensure_ascii": False},
            )
            response["Retry-After"] = str(wait)
        else:
            response = view(request, *args, **kwargs)
        return opened(response)

    return wrapper
