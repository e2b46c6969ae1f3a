# The initiatives' search vectors are kept in the row rather than in the TOAST table: a search
# checks and ranks a thousand rows by their vectors, and fetching each one from the TOAST table
# (its index, then its chunk, once for the match and once for the rank) made a common word's
# bounded count three times slower at 100,000 initiatives (12 ms against 4). PostgreSQL moves
# the longer texts (body, plain text) out of the row instead. Rows written before this
# migration keep their layout until rewritten: `VACUUM FULL initiatives_initiative`
# (docs/deployment.md).

from django.db import migrations

VECTORS = ("search_vector", "search_vector_en")


def storage(kind):
    columns = ", ".join(f"ALTER COLUMN {column} SET STORAGE {kind}" for column in VECTORS)
    return f"ALTER TABLE initiatives_initiative {columns}"


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0024_latest_events_index"),
    ]

    operations = [
        migrations.RunSQL(storage("MAIN"), reverse_sql=storage("EXTENDED")),
    ]
