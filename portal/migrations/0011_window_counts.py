from django.db import migrations

# The rate limits' counters (portal.opendata.access.count_in_window): one row per thing counted
# (a client's address and what it asks for), its window's end and the count in that window.
# Unlogged: a crash forgets the counts, which only lets a client start its window again.
CREATE = """
CREATE UNLOGGED TABLE portal_windowcount (
    name text PRIMARY KEY,
    ends timestamptz NOT NULL,
    count integer NOT NULL
);
CREATE INDEX portal_windowcount_ends ON portal_windowcount (ends);
"""


class Migration(migrations.Migration):
    dependencies = [("portal", "0010_erasure_for_administrators")]

    operations = [migrations.RunSQL(CREATE, "DROP TABLE portal_windowcount;")]
