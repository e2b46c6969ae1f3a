"""Open data: the read-only JSON API (`api/`), the exports of the index (`exports`), the full
dump of the published registry and its re-import (`tables` says what is public, `dump` writes
the archive, `load` reads it back), and the access rules shared by the API and the exports
(`access`: CORS and the rate limit). Everything here is published under
settings.DATA_LICENCE (`licence_link` for HTTP answers), and `catalogue` describes it all in
DCAT for open-data portals."""

from django.conf import settings

JSON_MEMBER = "registre.json"
README_MEMBER = "README.txt"


class OpenDataError(Exception):
    pass


def archive_name(date):
    return f"registre-opendata-{date:%Y-%m-%d}.zip"


def licence_text():
    licence = settings.DATA_LICENCE
    return f"{licence['name']} : {licence['url']}"


def licence_link():
    """The HTTP Link header naming the data's licence (RFC 8288, the "license" relation)."""
    licence = settings.DATA_LICENCE
    return f'<{licence["url"]}>; rel="license"; title="{licence["name"]}"'
