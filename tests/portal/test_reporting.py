import io
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.core.checks import run_checks
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory

from portal import reporting
from portal.cache import CACHE_HEADER
from portal.opendata import access

pytestmark = pytest.mark.django_db
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https", "SERVER_PORT": "443"}
REQUIRED_ONCE = ("Expires",)
KNOWN = {"Contact", "Expires", "Encryption", "Acknowledgments", "Preferred-Languages"}
KNOWN |= {"Canonical", "Policy", "Hiring", "CSAF"}


def fields_of(text):
    """RFC 9116's fields, "Name: value" one a line, comments (#) and blank lines aside."""
    fields = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, separator, value = line.partition(": ")
        assert separator and name in KNOWN and value.strip() == value and value, line
        fields.append((name, value))
    return fields


def values(fields, name):
    return [value for field, value in fields if field == name]


def test_security_txt_follows_rfc_9116(client, settings):
    settings.SECURITY_CONTACTS = ["mailto:securite@hautsdefrance.example"]
    settings.SECURITY_TXT_EXPIRES = datetime.now(tz=UTC) + timedelta(days=200)
    response = client.get("/.well-known/security.txt", **HTTPS)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = fields_of(response.content.decode("utf-8"))
    assert values(fields, "Contact") == ["mailto:securite@hautsdefrance.example"]
    [expires] = values(fields, "Expires")
    moment = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert datetime.now(tz=UTC) < moment <= datetime.now(tz=UTC) + timedelta(days=366)
    assert values(fields, "Preferred-Languages") == ["fr, en"]
    assert values(fields, "Canonical") == ["https://testserver/.well-known/security.txt"]
    [policy] = values(fields, "Policy")
    assert policy == "https://testserver/mentions-legales/#securite"
    page = client.get("/mentions-legales/").content.decode()
    assert 'id="securite"' in page and "mailto:securite@hautsdefrance.example" in page


def test_without_configuration_it_points_to_the_legal_notice_and_never_invents_a_mailbox(
    client, settings
):
    settings.SECURITY_CONTACTS = []
    settings.SECURITY_TXT_EXPIRES = None
    fields = fields_of(client.get("/.well-known/security.txt").content.decode())
    assert values(fields, "Contact") == ["http://testserver/mentions-legales/#securite"]
    [expires] = values(fields, "Expires")
    moment = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert datetime.now(tz=UTC) < moment <= datetime.now(tz=UTC) + timedelta(days=366)
    page = client.get("/mentions-legales/").content.decode()
    assert "par courrier" in page and "mailto:" not in page


def test_security_txt_is_not_translated_nor_under_en(client):
    assert client.get("/en/.well-known/security.txt").status_code == 404


@pytest.mark.parametrize(
    ("contacts", "expires", "expected"),
    [
        ([], None, {"registre.W101", "registre.W103"}),
        (["https://hautsdefrance.example/securite"], timedelta(days=10), {"registre.W103"}),
        (["https://hautsdefrance.example/securite"], timedelta(days=-1), {"registre.W103"}),
        (["https://hautsdefrance.example/securite"], timedelta(days=400), {"registre.W103"}),
        (["http://hautsdefrance.example"], timedelta(days=90), {"registre.W102"}),
        (["mailto:securite@hautsdefrance.example"], timedelta(days=90), set()),
    ],
)
def test_the_deploy_check_warns_about_security_txt(settings, contacts, expires, expected):
    settings.SECURITY_CONTACTS = contacts
    settings.SECURITY_TXT_EXPIRES = expires and datetime.now(tz=UTC) + expires
    found = {message.id for message in run_checks(include_deployment_checks=True)}
    assert {id for id in found if id.startswith("registre.")} == expected


# CSP reports

REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": "https://registre.example/initiatives/",
        "referrer": "",
        "violated-directive": "style-src-attr",
        "effective-directive": "style-src-attr",
        "original-policy": "default-src 'none'; report-uri /csp-report/",
        "disposition": "enforce",
        "blocked-uri": "inline",
        "line-number": 12,
        "source-file": "https://registre.example/static/js/site.js",
        "status-code": 200,
        "script-sample": "",
        "secret": "never logged",
    }
}
REPORTING_API_BODY = [
    {
        "type": "csp-violation",
        "age": 3,
        "url": "https://registre.example/carte/",
        "user_agent": "Mozilla/5.0",
        "body": {
            "documentURL": "https://registre.example/carte/",
            "blockedURL": "https://tiers.example/x.js",
            "effectiveDirective": "script-src-elem",
            "originalPolicy": "default-src 'none'",
            "disposition": "enforce",
            "statusCode": 200,
            "sample": "",
            "lineNumber": {"not": "a number"},
        },
    },
    {"type": "deprecation", "age": 1, "url": "https://registre.example/", "body": {}},
]


def post(client, body, content_type=reporting.REPORT_URI_TYPE, **extra):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/csp-report/", data, content_type=content_type, **extra)


def logged(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "registre.csp"]


def test_a_report_uri_report_is_logged_as_one_json_line_of_known_fields(client, caplog):
    with caplog.at_level(logging.INFO, logger="registre.csp"):
        response = post(client, REPORT_URI_BODY, HTTP_USER_AGENT="Firefox")
    assert response.status_code == 204
    [line] = logged(caplog)
    assert line["format"] == "report-uri"
    assert line["effective_directive"] == "style-src-attr" and line["line_number"] == 12
    assert line["user_agent"] == "Firefox"
    assert "secret" not in json.dumps(line)


def test_reporting_api_reports_keep_only_csp_violations(client, caplog):
    with caplog.at_level(logging.INFO, logger="registre.csp"):
        response = post(client, REPORTING_API_BODY, reporting.REPORTING_API_TYPE)
    assert response.status_code == 204
    [line] = logged(caplog)
    assert line["format"] == "report-to" and line["blocked_url"] == "https://tiers.example/x.js"
    assert "line_number" not in line  # not a number: left out


def test_each_field_is_cut_and_the_report_count_bounded(client, caplog):
    long = {"type": "csp-violation", "body": {"documentURL": "x" * 5000}}
    with caplog.at_level(logging.INFO, logger="registre.csp"):
        response = post(client, [long] * 25, reporting.REPORTING_API_TYPE)
    assert response.status_code == 413  # 25 × 5 KB: over the size limit, nothing logged
    assert logged(caplog) == []
    short = {"type": "csp-violation", "body": {"documentURL": "x" * 500}}
    with caplog.at_level(logging.INFO, logger="registre.csp"):
        assert post(client, [short] * 25, reporting.REPORTING_API_TYPE).status_code == 204
    lines = logged(caplog)
    assert len(lines) == reporting.MAX_REPORTS
    assert all(len(line["document_url"]) == reporting.MAX_FIELD for line in lines)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", reporting.REPORT_URI_TYPE),
        (b"\xff\xfe", reporting.REPORT_URI_TYPE),
        ({"csp-report": "a string"}, reporting.REPORT_URI_TYPE),
        ([1, 2], reporting.REPORT_URI_TYPE),
        ({"csp-report": {}}, reporting.REPORTING_API_TYPE),
        ([], reporting.REPORTING_API_TYPE),
        ([{"type": "csp-violation"}], reporting.REPORTING_API_TYPE),
        ([{"type": "csp-violation", "body": []}], reporting.REPORTING_API_TYPE),
        (["text"], reporting.REPORTING_API_TYPE),
    ],
)
def test_malformed_reports_are_refused_with_400(client, body, content_type, caplog):
    with caplog.at_level(logging.INFO, logger="registre.csp"):
        response = post(client, body, content_type)
    assert response.status_code == 400
    assert response.content.decode().startswith("Rapport refusé")
    assert logged(caplog) == []


def test_other_content_types_are_refused_with_415(client):
    for content_type in ("application/json", "text/plain", "application/x-www-form-urlencoded"):
        assert post(client, REPORT_URI_BODY, content_type).status_code == 415
    # Parameters of the type do not matter.
    assert post(client, REPORT_URI_BODY, "application/csp-report; charset=utf-8").status_code == 204


def test_only_post_is_allowed(client):
    for method in ("get", "head", "put", "delete", "options"):
        response = getattr(client, method)("/csp-report/")
        assert response.status_code == 405
        assert response["Allow"] == "POST"


def test_an_oversized_report_is_refused_with_413(client):
    padding = "x" * (reporting.MAX_REPORT_BYTES + 1)
    response = post(client, {"csp-report": {"document-uri": padding}})
    assert response.status_code == 413


class EndlessStream(io.RawIOBase):
    """A body that never ends, counting what was read from it."""

    served = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b"x" * len(buffer)
        self.served += len(buffer)
        return len(buffer)


@pytest.mark.parametrize("declared", ["100000000", "not a number", str(16 * 1024)])
def test_the_body_is_read_up_to_the_limit_whatever_content_length_says(declared):
    stream = EndlessStream()
    environ = RequestFactory().post("/csp-report/", REMOTE_ADDR="192.0.2.9").META
    environ.update(
        CONTENT_TYPE=reporting.REPORT_URI_TYPE, CONTENT_LENGTH=declared, **{"wsgi.input": stream}
    )
    response = reporting.csp_report(WSGIRequest(environ))
    assert response.status_code in (400, 413)
    assert stream.served <= reporting.MAX_REPORT_BYTES + 1 + 64 * 1024  # one buffer at most


def test_reports_are_rate_limited_per_address(client, monkeypatch):
    clock = {"now": 2_000_040.0}  # the start of a window of 60 s
    monkeypatch.setattr(access, "now", lambda: clock["now"])
    monkeypatch.setattr(reporting, "RATE_LIMIT", 3)
    for _ in range(3):
        assert post(client, REPORT_URI_BODY).status_code == 204
    refused = post(client, REPORT_URI_BODY)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert post(client, REPORT_URI_BODY, REMOTE_ADDR="192.0.2.7").status_code == 204
    clock["now"] += 60
    assert post(client, REPORT_URI_BODY).status_code == 204


def test_every_answer_names_the_endpoint_and_the_policy_reports_to_it(client):
    for url in ("/", "/initiatives/", "/integrer/initiatives/", "/admin/login/", "/nulle-part/"):
        for _ in range(2):  # from the page cache too
            response = client.get(url)
            policy = response["Content-Security-Policy"]
            assert "report-uri /csp-report/" in policy and "report-to csp-endpoint" in policy
            assert response["Reporting-Endpoints"] == 'csp-endpoint="/csp-report/"'
    embed = client.get("/integrer/initiatives/")
    assert embed[CACHE_HEADER] == "hit" and "frame-ancestors *" in embed["Content-Security-Policy"]


def test_reports_are_neither_cached_nor_compressed(client):
    for _ in range(2):
        response = post(client, REPORT_URI_BODY, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 204
        assert CACHE_HEADER not in response and "Content-Encoding" not in response
    assert client.get("/csp-report/", HTTP_ACCEPT_ENCODING="gzip").status_code == 405
