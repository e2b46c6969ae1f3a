"""Staff sessions: signed out after STAFF_IDLE_MINUTES without a request, and listed on
« Mes sessions », where a staff member can end every other session of theirs.

The time of the last request is kept in the session itself and written at most once a
minute, with the session's row (`portal.StaffSession`), so that browsing the admin does not
write the session on every request. Django gives a new session key at each sign-in (`login()`
cycles it), so a key known before signing in is worth nothing after.

The rows are bounded: one a signed-in session, deleted at sign-out, when ended from « Mes
sessions », and, at every sign-in and every visit of that page, once idle past the timeout
(such a session is signed out at its next request anyway). A session without the time of its
last request (made before this code, or not by signing in) is signed out too.
"""

import ipaddress
import re
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from portal.models import StaffSession
from portal.opendata.access import client_ip
from portal.security import audit

LAST_SEEN = "registre_last_seen"  # in the session: seconds since the epoch
TOUCH_EVERY = 60  # seconds between two writes of the activity
STAFF_PREFIX = "/admin/"
BROWSERS = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome")]
BROWSERS += [("Chromium/", "Chromium"), ("Safari/", "Safari")]
SYSTEMS = [("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Windows", "Windows")]
SYSTEMS += [("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def idle_limit():
    return timedelta(minutes=settings.STAFF_IDLE_MINUTES)


def address(request):
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


def short_user_agent(header):
    """« Firefox sur Linux »: enough to recognise one's own browsers, no fingerprint."""
    browser = next((name for mark, name in BROWSERS if mark in header), "")
    system = next((name for mark, name in SYSTEMS if mark in header), "")
    if browser and system:
        return f"{browser} sur {system}"
    return browser or system or re.sub(r"\s+", " ", header)[:40] or "navigateur inconnu"


def forget_idle_sessions(now, **filters):
    StaffSession.objects.filter(last_seen__lt=now - idle_limit(), **filters).delete()


def note_activity(request, user, now):
    """The session's last request, in the session and in its row (made again if missing)."""
    request.session[LAST_SEEN] = int(now.timestamp())
    if not request.session.session_key:
        request.session.save()
    updated = StaffSession.objects.filter(session_key=request.session.session_key).update(
        last_seen=now
    )
    if not updated:
        StaffSession.objects.create(
            user=user,
            session_key=request.session.session_key,
            created=now,
            last_seen=now,
            ip=address(request),
            user_agent=short_user_agent(request.headers.get("User-Agent", ""))[:200],
        )


@receiver(user_logged_in, dispatch_uid="registre_staff_session_opened")
def record_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session") or not user.is_staff:
        return
    now = timezone.now()
    forget_idle_sessions(now)
    note_activity(request, user, now)


@receiver(user_logged_out, dispatch_uid="registre_staff_session_closed")
def record_sign_out(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        StaffSession.objects.filter(session_key=key).delete()


def still_active(request, user):
    """False, after signing the session out, when a staff session was idle too long; else
    True, after noting the activity if the last note is a minute old."""
    if not (user.is_authenticated and user.is_staff):
        return True
    now = timezone.now()
    last = request.session.get(LAST_SEEN)
    if not isinstance(last, int) or now.timestamp() - last > idle_limit().total_seconds():
        audit("session_idle_timeout", request, user.get_username(), minutes=idle_minutes())
        request.user = user  # logout() reads it
        logout(request)
        return False
    if now.timestamp() - last >= TOUCH_EVERY:
        note_activity(request, user, now)
    return True


def idle_minutes():
    return settings.STAFF_IDLE_MINUTES


class StaffIdleTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware. Only requests with a session
    cookie are looked at: a visitor's costs nothing. A staff page checks the session at once
    and sends an idle one to the login page; a public page checks it only if it reads the
    user (a draft's preview), so that a page that never does, such as an embed, still never
    reads the session (no `Vary: Cookie`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.SESSION_COOKIE_NAME not in request.COOKIES
            # A browser's report is no activity of the person, and must never be redirected.
            or request.path_info == settings.CSP_REPORT_PATH
        ):
            return self.get_response(request)
        if request.path_info.startswith(STAFF_PREFIX):
            if not still_active(request, request.user):
                messages.warning(
                    request,
                    f"Votre session a été fermée après {idle_minutes()} minutes sans "
                    "activité\u202f: reconnectez-vous pour continuer.",
                )
                return redirect_to_login(request.get_full_path(), "admin:login")
            return self.get_response(request)
        user = request.user  # AuthenticationMiddleware's lazy user, not read yet
        request.user = SimpleLazyObject(
            lambda: user if still_active(request, user) else AnonymousUser()
        )
        return self.get_response(request)


def sessions_of(request):
    """The user's live sessions, this one first, after forgetting their idle ones."""
    forget_idle_sessions(timezone.now(), user=request.user)
    current = request.session.session_key
    rows = list(StaffSession.objects.filter(user=request.user))
    for row in rows:
        row.is_current = row.session_key == current
    return sorted(rows, key=lambda row: not row.is_current)


def end_other_sessions(request):
    """Ends every other session of the user through the session store; their number."""
    others = StaffSession.objects.filter(user=request.user).exclude(
        session_key=request.session.session_key
    )
    keys = list(others.values_list("session_key", flat=True))
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for key in keys:
        store.delete(key)
    others.filter(session_key__in=keys).delete()
    audit("other_sessions_ended", request, request.user.get_username(), count=len(keys))
    return len(keys)
