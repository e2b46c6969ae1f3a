"""Email alerts without an account: a list of the index (its filters) followed by email.

Double opt-in: subscribing sends a confirmation link (a signed token that expires after
CONFIRMATION_DAYS); nothing else is ever sent before it is followed. Every email carries a
one-click unsubscribe link (and the List-Unsubscribe headers, RFC 2369 and 8058), which deletes
the alert and its address. Sent through Django's email framework (see settings).

`send_digests` (`manage.py send_alerts`, for cron) sends each due alert the public initiatives
of its list first published or changed since its last digest. Alerts following the same list
share one query: the queries grow with the number of distinct lists, never with alerts ×
initiatives. An alert is due once a day or once a week (calendar day or ISO week, Paris time),
so running the command again sends nothing twice.
"""

import datetime
import logging
from bisect import bisect_left
from collections import defaultdict
from itertools import groupby

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import connection
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Initiative
from portal.catalogue.discovery import RefusedParameters, describe, list_filter
from portal.models import Alert
from portal.opendata.access import client_ip, count_in_window

logger = logging.getLogger(__name__)
CONFIRMATION_DAYS = 7
SALT_CONFIRM = "portal.alerts.confirm"
SALT_UNSUBSCRIBE = "portal.alerts.unsubscribe"
DIGEST_ITEMS = 20  # per section of a digest; the link to the list gives the rest
SEND_BATCH = 200  # messages per SMTP connection and per update of `sent_through`
# Subscriptions per client address per hour, and confirmation emails per address per day.
PER_CLIENT, CLIENT_WINDOW = 10, 3600
PER_EMAIL, EMAIL_WINDOW = 3, 86400


def site_url(path):
    return settings.SITE_URL.rstrip("/") + path


def list_url(query):
    return site_url(reverse("initiative_index") + (f"?{query}" if query else ""))


# Tokens -------------------------------------------------------------------------------------


def confirmation_token(alert):
    return signing.dumps(alert.pk, salt=SALT_CONFIRM)


def unsubscribe_token(alert):
    return signing.dumps(alert.pk, salt=SALT_UNSUBSCRIBE)


def alert_of(token, salt):
    """The alert a token names, None if it is gone; raises signing.BadSignature (or
    SignatureExpired for a confirmation older than CONFIRMATION_DAYS)."""
    max_age = datetime.timedelta(days=CONFIRMATION_DAYS) if salt == SALT_CONFIRM else None
    pk = signing.loads(token, salt=salt, max_age=max_age)
    return Alert.objects.filter(pk=pk).first()


def unsubscribe_url(alert):
    return site_url(reverse("alert_unsubscribe", args=[unsubscribe_token(alert)]))


# Rate limit -----------------------------------------------------------------------------------


def over_limit(name, limit, window):
    """Count one more under `name` in the current window (in the database, as the open data's
    rate limit): whether the limit is passed."""
    return count_in_window(f"alerts-rate:{name}", window, timezone.now().timestamp()) > limit


def refused_by_rate_limit(request, email):
    # The address is hashed into the name: the counts never hold it in clear.
    digest = signing.base64_hmac(SALT_CONFIRM, email.lower(), settings.SECRET_KEY)
    return over_limit(f"ip:{client_ip(request)}", PER_CLIENT, CLIENT_WINDOW) or over_limit(
        f"email:{digest}", PER_EMAIL, EMAIL_WINDOW
    )


# Subscribing ----------------------------------------------------------------------------------


def subscribe(email, query, frequency):
    """Record the request and send the confirmation link. An address already confirmed for
    this list is told nothing new (and the visitor sees the same answer, so nobody learns who
    follows what). Returns whether an email was sent."""
    alert, created = Alert.objects.get_or_create(
        email=email, query=query, defaults={"frequency": frequency}
    )
    if alert.confirmed_at is not None:
        return False
    if not created and alert.frequency != frequency:
        alert.frequency = frequency
        alert.save(update_fields=["frequency"])
    context = {
        "list_name": list_name(query),
        "list_url": list_url(query),
        "confirm_url": site_url(reverse("alert_confirm", args=[confirmation_token(alert)])),
        "days": CONFIRMATION_DAYS,
        "frequency": alert.get_frequency_display().lower(),
    }
    message = EmailMessage(
        "[Registre] Confirmez votre alerte",
        render_to_string("portal/email/alert_confirm.txt", context),
        to=[email],
    )
    message.send()
    return True


def confirm(alert, now=None):
    if alert.confirmed_at is None:
        alert.confirmed_at = alert.sent_through = now or timezone.now()
        alert.save(update_fields=["confirmed_at", "sent_through"])


def list_name(query):
    try:
        chosen = describe(list_filter(QueryDict(query)))
    except RefusedParameters:
        chosen = ""
    return chosen or "toutes les initiatives"


# Digests --------------------------------------------------------------------------------------


def period_starts(now):
    """The start of the current day and of the current ISO week, Paris time."""
    local = timezone.localtime(now)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day - datetime.timedelta(days=local.weekday())


def send_digests(now=None, lock=True):
    """Send every due alert its digest; returns (alerts done, emails sent). Unconfirmed
    requests older than CONFIRMATION_DAYS are deleted. Two runs at once never both send: the
    second one finds the lock taken and does nothing."""
    now = now or timezone.now()
    if lock and not _try_lock():
        logger.warning("send_alerts déjà en cours : rien n'est fait.")
        return 0, 0
    try:
        Alert.objects.unconfirmed_since(now - datetime.timedelta(days=CONFIRMATION_DAYS)).delete()
        due = (
            Alert.objects.due(*period_starts(now))
            .order_by("query", "pk")
            .values_list("pk", "email", "query", "sent_through", "frequency")
        )
        done = sent = 0
        for query, group in groupby(due.iterator(chunk_size=2000), key=lambda row: row[2]):
            alerts = list(group)
            messages = _group_messages(query, alerts, now)
            for start in range(0, len(alerts), SEND_BATCH):
                batch = alerts[start : start + SEND_BATCH]
                batch_messages = [messages[pk] for pk, *_ in batch if pk in messages]
                if batch_messages:
                    get_connection().send_messages(batch_messages)
                Alert.objects.filter(pk__in=[pk for pk, *_ in batch]).update(sent_through=now)
                done += len(batch)
                sent += len(batch_messages)
        return done, sent
    finally:
        if lock:
            _unlock()


LOCK_KEY = 0x616C657274  # "alert": one advisory lock for the command


def _try_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        return cursor.fetchone()[0]


def _unlock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _group_messages(query, alerts, now):
    """{alert pk: message} for the alerts following one list: one query for the list's changes
    since the oldest of their last digests, then each alert takes its own part."""
    try:
        filterset = list_filter(QueryDict(query))
    except RefusedParameters as error:  # a theme or territory removed since, say
        logger.warning("Alerte sur une liste devenue invalide (%s) : %s", query, error)
        return {}
    since = min(alert[3] for alert in alerts)
    changes = list(
        Initiative.objects.published()
        .filter(pk__in=filterset.qs.values("pk"), updated_at__gt=since, updated_at__lte=now)
        .order_by("-updated_at", "pk")
        .values("slug", "title", "published_at", "updated_at")
    )
    if not changes:
        return {}
    for change in changes:  # once per list, not once per alert
        change["url"] = site_url(reverse("initiatives:detail", args=[change["slug"]]))
    name, url = describe(filterset) or "toutes les initiatives", list_url(query)
    # Latest first: an alert's changes are the ones before the first not newer than its digest.
    keys = [-change["updated_at"].timestamp() for change in changes]
    messages = {}
    for pk, email, _, sent_through, frequency in alerts:
        items = changes[: bisect_left(keys, -sent_through.timestamp())]
        if items:
            messages[pk] = digest_message(pk, email, name, url, items, sent_through, frequency)
    return messages


def digest_message(pk, email, name, url, items, since, frequency):
    sections = defaultdict(list)
    for item in items:
        is_new = item["published_at"] is not None and item["published_at"] > since
        sections["new" if is_new else "changed"].append(item)
    unsubscribe = unsubscribe_url(Alert(pk=pk))
    context = {
        "list_name": name,
        "list_url": url,
        "new": sections["new"][:DIGEST_ITEMS],
        "new_more": max(0, len(sections["new"]) - DIGEST_ITEMS),
        "changed": sections["changed"][:DIGEST_ITEMS],
        "changed_more": max(0, len(sections["changed"]) - DIGEST_ITEMS),
        "since": timezone.localtime(since),
        "frequency": Alert.Frequency(frequency).label.lower(),
        "unsubscribe_url": unsubscribe,
    }
    count = len(items)
    noun = "nouveauté" if count == 1 else "nouveautés"
    message = EmailMessage(
        f"[Registre] {count} {noun}\u202f: {name}"[:200],
        render_to_string("portal/email/alert_digest.txt", context),
        to=[email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    return message
