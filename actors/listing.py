"""The listing of public initiatives (`initiatives.Listing`) and its totals are kept by
PostgreSQL: triggers on every table a row is built from rebuild the rows a write touches, in
its transaction, whatever made the write (actors migration 0006). This module checks them;
`portal.models.rebuild_derived()` (manage.py refresh_listing) rebuilds them on demand.
"""

from django.db import connection

from initiatives.models import Initiative, Listing, ListingTotal

# The values each listing row is counted under, as the database counts them.
COUNTED = """
SELECT value.column_name, value.key, COUNT(*)
FROM initiatives_listing entry, LATERAL registre_listing_values(entry) AS value
GROUP BY 1, 2
"""


def is_consistent():
    """Whether the listing holds exactly the public initiatives (by the publication rule
    computed afresh), with the columns their records give, and the totals its counts (a check
    for tests and operations)."""
    listed = set(Listing.objects.values_list("pk", flat=True))
    public = set(Initiative.objects.with_public_lineage().values_list("pk", flat=True))
    return listed == public and rows_are_current() and stored_totals() == counted_totals()


def rows_are_current():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT EXISTS ("
            " SELECT * FROM registre_listing_rows(ARRAY(SELECT initiative_id"
            "  FROM initiatives_listing))"
            ' EXCEPT SELECT initiative_id, is_top_level, kind, status, start, "end",'
            "  sort_key, updated_at, themes, territories, organisations, roles,"
            "  organisation_roles FROM initiatives_listing)"
        )
        return cursor.fetchone()[0]


def stored_totals():
    return {(column, key): count for column, key, count in ListingTotal.objects.summed()}


def counted_totals():
    with connection.cursor() as cursor:
        cursor.execute(COUNTED)
        return {(column, key): count for column, key, count in cursor.fetchall()}
