"""What Django's SecurityMiddleware does not set, and cookies that follow the request's scheme.

Behind the documented HTTPS proxy, a request arriving with X-Forwarded-Proto: https is secure:
its cookies are marked Secure even when DJANGO_SECURE_COOKIES is off, which only `make run`
does so that the demo can be tried over plain local HTTP.
"""

import json
import logging
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpResponseBadRequest

from portal.opendata.access import is_open_data_address

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
        "payment", "usb", "browsing-topics",
    )
)  # fmt: skip

auth_log = logging.getLogger("registre.auth")


class RejectNulBytesMiddleware:
    """A NUL byte in a URL is never legitimate: answer 400 before any view sees (or echoes) it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # request.path is already decoded; the query string is not (decode it once, not twice).
        nul = "\x00" in request.path or "\x00" in unquote_plus(request.META.get("QUERY_STRING", ""))
        # Open data answers it itself, in its documented errors with CORS: a parameter refuses
        # it, and a path with one names nothing (no converter accepts it), a JSON 404.
        if nul and not is_open_data_address(request.path_info):
            return HttpResponseBadRequest(
                "Requête refusée : l'adresse contient un caractère nul.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        # The CSP's report-to names this endpoint. A relative URL is resolved against the
        # response's URL (Reporting API, "process reporting endpoints"): the same header for
        # every host and scheme, and nothing read from the request's Host.
        response.headers.setdefault(
            "Reporting-Endpoints",
            f'{settings.CSP_REPORT_ENDPOINT}="{settings.CSP_REPORT_PATH}"',
        )
        if request.is_secure():
            for cookie in response.cookies.values():
                cookie["secure"] = True
        return response


def _client_ip(request):
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def audit(event, request, username, **details):
    """One staff event (sign-in, second factor, password reset, erasure, export…) as one JSON
    line of the `registre.auth` log: easy to grep, to ship and to parse. `details` never holds
    a secret or an erased value, only what happened to whom."""
    auth_log.info(
        json.dumps(
            {"event": event, "username": username, "ip": _client_ip(request), **details},
            ensure_ascii=False,
            default=str,
        )
    )


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    audit("login", request, user.get_username())


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    audit("logout", request, user.get_username() if user else "")


@receiver(user_login_failed)
def log_login_failure(sender, credentials, request=None, **kwargs):
    # A wrong second-factor code is a failed sign-in too (portal.two_factor): said so.
    details = {"second_factor": True} if credentials.get("second_factor") else {}
    audit("login_failed", request, str(credentials.get("username", ""))[:150], **details)


__all__ = ["SecurityHeadersMiddleware", "settings"]
