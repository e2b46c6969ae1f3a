"""Open data: the read-only JSON API (`api/`), the exports of the index (`exports`), the full
dump of the published registry and its re-import (`tables` says what is public, `dump` writes
the archive, `load` reads it back), and the access rules shared by the API and the exports
(`access`: CORS and the rate limit)."""

JSON_MEMBER = "registre.json"
README_MEMBER = "README.txt"


class OpenDataError(Exception):
    pass


def archive_name(date):
    return f"registre-opendata-{date:%Y-%m-%d}.zip"
