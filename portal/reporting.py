"""How the portal hears of security problems: /.well-known/security.txt (RFC 9116) tells people
whom to write to, and browsers send us the violations of our Content Security Policy.

A CSP report is written to the `registre.csp` log as one JSON line with the known fields only,
each cut to a bounded length; nothing is stored in the database. The endpoint reads at most
MAX_REPORT_BYTES from the request, whatever its Content-Length says, and counts requests per
client address in the open data's rate limiter (in the database), so that neither a broken
page nor a hostile client can fill the log or the disk faster than that.
"""

import json
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import checks
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from portal.opendata.access import client_ip, wait_before_retry

csp_log = logging.getLogger("registre.csp")

SECURITY_TXT_PATH = "/.well-known/security.txt"
# Where people are told how to report a vulnerability: the section of the legal notice.
POLICY_PAGE = ("legal", {"page": "mentions-legales"}, "securite")
UNCONFIGURED_LIFETIME = timedelta(days=30)

MAX_REPORT_BYTES = 16 * 1024
MAX_REPORTS = 20  # logged from one request; a browser batches a few
MAX_FIELD = 300  # characters kept of each field
# Reports per client address and window; tests patch them.
RATE_LIMIT = 60
RATE_WINDOW = 60  # seconds

REPORT_URI_TYPE = "application/csp-report"
REPORTING_API_TYPE = "application/reports+json"
# Our name of each field: its name in report-uri's body, then in the Reporting API's.
FIELDS = {
    "document_url": ("document-uri", "documentURL"),
    "referrer": ("referrer", "referrer"),
    "blocked_url": ("blocked-uri", "blockedURL"),
    "violated_directive": ("violated-directive", None),
    "effective_directive": ("effective-directive", "effectiveDirective"),
    "original_policy": ("original-policy", "originalPolicy"),
    "disposition": ("disposition", "disposition"),
    "source_file": ("source-file", "sourceFile"),
    "line_number": ("line-number", "lineNumber"),
    "column_number": ("column-number", "columnNumber"),
    "status_code": ("status-code", "statusCode"),
    "sample": ("script-sample", "sample"),
}


# /.well-known/security.txt


def policy_url(request):
    name, kwargs, anchor = POLICY_PAGE
    return request.build_absolute_uri(reverse(name, kwargs=kwargs)) + "#" + anchor


def expires():
    """The configured expiry, or a month ahead when none is (a demo; the deploy check warns)."""
    if settings.SECURITY_TXT_EXPIRES is not None:
        return settings.SECURITY_TXT_EXPIRES
    return (timezone.now() + UNCONFIGURED_LIFETIME).replace(microsecond=0)


@never_cache
def security_txt(request):
    """RFC 9116. Without a configured contact, Contact names the legal notice's section that
    says how to reach the Region: an address of ours that exists, never an invented mailbox."""
    policy = policy_url(request)
    contacts = settings.SECURITY_CONTACTS or [policy]
    lines = [
        *(f"Contact: {contact}" for contact in contacts),
        f"Expires: {expires().astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: fr, en",
        f"Canonical: {request.build_absolute_uri(SECURITY_TXT_PATH)}",
        f"Policy: {policy}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@checks.register(checks.Tags.security, deploy=True)
def check_security_txt(app_configs=None, **kwargs):
    warnings = []
    if not settings.SECURITY_CONTACTS:
        warnings.append(
            checks.Warning(
                "security.txt n'a pas de contact\u202f: il renvoie aux mentions légales.",
                hint="Définissez DJANGO_SECURITY_CONTACT (mailto:… ou https://…).",
                id="registre.W101",
            )
        )
    for contact in settings.SECURITY_CONTACTS:
        if not contact.startswith(("mailto:", "https://", "tel:")):
            warnings.append(
                checks.Warning(
                    f"Contact de security.txt invalide\u202f: {contact!r}.",
                    hint="RFC 9116\u202f: une adresse mailto:, https:// ou tel:.",
                    id="registre.W102",
                )
            )
    moment = settings.SECURITY_TXT_EXPIRES
    now = datetime.now(tz=UTC)
    if moment is None:
        problem = "n'a pas de date d'expiration configurée"
    elif moment <= now:
        problem = f"a expiré le {moment:%Y-%m-%d}"
    elif moment < now + timedelta(days=30):
        problem = f"expire le {moment:%Y-%m-%d}, dans moins d'un mois"
    elif moment > now + timedelta(days=366):
        problem = f"expire le {moment:%Y-%m-%d}, dans plus d'un an (RFC 9116\u202f: moins d'un an)"
    else:
        problem = None
    if problem:
        warnings.append(
            checks.Warning(
                f"security.txt {problem}.",
                hint="Définissez DJANGO_SECURITY_TXT_EXPIRES (ISO 8601), à moins d'un an.",
                id="registre.W103",
            )
        )
    return warnings


# CSP reports


def plain(text, status):
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


class Refused(Exception):
    def __init__(self, message):
        self.message = message


def kept(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -(2**31) <= value < 2**31 else None
    if isinstance(value, str):
        return value[:MAX_FIELD]
    return None


def known_fields(body, position, **extra):
    fields = {}
    for name, names in FIELDS.items():
        source = names[position]
        if source is not None and (value := kept(body.get(source))) is not None:
            fields[name] = value
    return {**fields, **{key: value for key, value in extra.items() if value is not None}}


def parse(content_type, raw, user_agent=""):
    """The violations of one request's body, as dicts of known fields; Refused when the body is
    not JSON of the shape its content type names."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused("Rapport refusé\u202f: le corps n'est pas du JSON valide.") from None
    if content_type == REPORT_URI_TYPE:
        if not isinstance(data, dict) or not isinstance(data.get("csp-report"), dict):
            raise Refused('Rapport refusé\u202f: un objet {"csp-report": {…}} est attendu.')
        return [
            known_fields(data["csp-report"], 0, format="report-uri", user_agent=kept(user_agent))
        ]
    if not isinstance(data, list) or not data:
        raise Refused("Rapport refusé\u202f: une liste de rapports est attendue.")
    violations = []
    for report in data:
        if (
            not isinstance(report, dict)
            or not isinstance(report.get("type"), str)
            or not isinstance(report.get("body"), dict)
        ):
            raise Refused("Rapport refusé\u202f: chaque rapport a un type et un corps (body).")
        if report["type"] == "csp-violation":
            violations.append(
                known_fields(
                    report["body"],
                    1,
                    format="report-to",
                    user_agent=kept(report.get("user_agent")),
                )
            )
    return violations


@csrf_exempt
def csp_report(request):
    """204 once the reports are logged; 405, 429, 415, 413 or 400 (in French) otherwise."""
    if request.method != "POST":
        response = plain("Méthode non permise\u202f: les rapports s'envoient en POST.", 405)
        response["Allow"] = "POST"
        return response
    wait = wait_before_retry(f"csp-report-rate:{client_ip(request)}", RATE_LIMIT, RATE_WINDOW)
    if wait is not None:
        response = plain(f"Trop de rapports\u202f: réessayez dans {wait} secondes.", 429)
        response["Retry-After"] = str(wait)
        return response
    content_type = request.content_type.lower()
    if content_type not in (REPORT_URI_TYPE, REPORTING_API_TYPE):
        return plain(
            f"Type de contenu refusé\u202f: {REPORT_URI_TYPE} ou {REPORTING_API_TYPE} attendu.", 415
        )
    too_large = plain(f"Rapport refusé\u202f: plus de {MAX_REPORT_BYTES} octets.", 413)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_REPORT_BYTES:
        return too_large
    raw = request.read(MAX_REPORT_BYTES + 1)  # never more, whatever the header said
    if len(raw) > MAX_REPORT_BYTES:
        return too_large
    try:
        violations = parse(content_type, raw, request.headers.get("User-Agent", ""))
    except Refused as refused:
        return plain(refused.message, 400)
    for violation in violations[:MAX_REPORTS]:
        csp_log.warning(json.dumps(violation, ensure_ascii=False, sort_keys=True))
    return HttpResponse(status=204)
