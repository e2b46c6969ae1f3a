"""The HTTP Observatory's score of one response, after Mozilla's published scoring method
("Tests & Scoring": baseline 100, penalties first, bonuses only from 90 up).

Only what a single response shows is scored; the redirection test assumes the documented
proxy redirects HTTP to HTTPS on the same host (redirection-to-https, 0).
"""

PRIVATE_REFERRERS = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
UNSAFE_REFERRERS = {"origin", "origin-when-cross-origin", "unsafe-url"}
SIX_MONTHS = 15_768_000


def parse_csp(header):
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    return directives


def csp_result(headers):
    header = headers.get("Content-Security-Policy")
    if not header:
        return "csp-not-implemented", -25
    policy = parse_csp(header)
    default = policy.get("default-src", [])

    def sources(name):
        return policy.get(name, default)

    script, style, objects = sources("script-src"), sources("style-src"), sources("object-src")
    broad = {"https:", "http:", "*", "data:"}
    if (
        not script
        or not objects
        or "'unsafe-inline'" in script
        or broad & set(script)
        or broad & set(objects)
    ):
        return "csp-implemented-with-unsafe-inline", -20
    if "'unsafe-eval'" in script:
        return "csp-implemented-with-unsafe-eval", -10
    if "'unsafe-inline'" in style or broad & set(style):
        return "csp-implemented-with-unsafe-inline-in-style-src-only", 0
    if default == ["'none'"]:
        return "csp-implemented-with-no-unsafe-default-src-none", 10
    return "csp-implemented-with-no-unsafe", 5


def cookies_result(response, session_cookie="sessionid", csrf_cookie="csrftoken"):
    cookies = list(response.cookies.values())
    if not cookies:
        return "cookies-not-found", 0
    for cookie in cookies:
        if cookie.key == session_cookie and not cookie["httponly"]:
            return "cookies-session-without-httponly-flag", -30
        if cookie.key == session_cookie and not cookie["secure"]:
            return "cookies-session-without-secure-flag", -40
        if cookie["samesite"] and cookie["samesite"].lower() not in ("strict", "lax"):
            return "cookies-samesite-flag-invalid", -20
        if cookie.key == csrf_cookie and not cookie["samesite"]:
            return "cookies-anticsrf-without-samesite-flag", -20
        if not cookie["secure"]:
            return "cookies-without-secure-flag", -20
    if all(cookie["samesite"] for cookie in cookies):
        return "cookies-secure-with-httponly-sessions-and-samesite", 5
    return "cookies-secure-with-httponly-sessions", 0


def hsts_result(headers):
    header = headers.get("Strict-Transport-Security")
    if not header:
        return "hsts-not-implemented", -20
    values = dict(
        (part.strip().split("=", 1) + [""])[:2] for part in header.split(";") if part.strip()
    )
    try:
        max_age = int(values.get("max-age", ""))
    except ValueError:
        return "hsts-header-invalid", -20
    if max_age < SIX_MONTHS:
        return "hsts-implemented-max-age-less-than-six-months", -10
    return "hsts-implemented-max-age-at-least-six-months", 0  # "preloaded" needs the list


def referrer_result(headers):
    header = headers.get("Referrer-Policy")
    if not header:
        return "referrer-policy-not-implemented", 0
    policies = {value.strip().lower() for value in header.split(",")}
    if policies & UNSAFE_REFERRERS:
        return "referrer-policy-unsafe", -5
    if policies & PRIVATE_REFERRERS:
        return "referrer-policy-private", 5
    return "referrer-policy-header-invalid", -5


def nosniff_result(headers):
    if headers.get("X-Content-Type-Options", "").lower() == "nosniff":
        return "x-content-type-options-nosniff", 0
    return "x-content-type-options-not-implemented", -5


def frame_result(headers):
    policy = parse_csp(headers.get("Content-Security-Policy", ""))
    if "frame-ancestors" in policy:
        return "x-frame-options-implemented-via-csp", 5
    if headers.get("X-Frame-Options", "").upper() in ("DENY", "SAMEORIGIN"):
        return "x-frame-options-sameorigin-or-deny", 0
    return "x-frame-options-not-implemented", -20


def corp_result(headers):
    value = headers.get("Cross-Origin-Resource-Policy")
    if value is None:
        return "corp-not-implemented", 5
    return {
        "same-origin": ("corp-implemented-with-same-origin", 0),
        "same-site": ("corp-implemented-with-same-site", 0),
        "cross-origin": ("corp-implemented-with-cross-origin", -20),
    }.get(value.strip().lower(), ("corp-header-invalid", -20))


def cors_result(headers):
    if headers.get("Access-Control-Allow-Origin", "").strip() == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access", 0
    return "cross-origin-resource-sharing-not-implemented", 0


def score(response):
    """(score, {test: result}) of an HTTPS response."""
    headers = response.headers
    results = dict(
        [
            csp_result(headers),
            cookies_result(response),
            hsts_result(headers),
            referrer_result(headers),
            nosniff_result(headers),
            frame_result(headers),
            corp_result(headers),
            cors_result(headers),
            ("redirection-to-https", 0),
            ("sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0),
        ]
    )
    penalties = sum(value for value in results.values() if value < 0)
    bonuses = sum(value for value in results.values() if value > 0)
    total = 100 + penalties
    if total >= 90:
        total += bonuses
    return max(total, 0), results
