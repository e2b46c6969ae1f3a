"""Bulk loading into PostgreSQL for the demo-data generator: ids reserved from the sequences,
rows streamed with COPY, and a bulk mode for loads larger than the registry already there.

In bulk mode the foreign keys of the loaded tables and the GIN indexes of the initiatives are
dropped, then put back from their exact definitions before the transaction ends. Checking a
foreign key once per table costs seconds where the per-row checks queued until COMMIT cost
minutes (110 s of 540 for a million initiatives), and a sorted, parallel GIN build a fraction
of its row-by-row upkeep. The tables stay locked until the end: the portal waits for the load
rather than see half of it.
"""

import time
from collections import Counter

from django.db import connection

LOADED_TABLES = [
    "initiatives_territory",
    "actors_organisation",
    "actors_person",
    "initiatives_initiative",
    "initiatives_initiative_themes",
    "initiatives_initiative_territories",
    "actors_involvement",
    "initiatives_milestone",
    "initiatives_event",
    "initiatives_keyfigure",
]
REBUILT_INDEXES = [
    "initiatives_initiative_search",
    "initiatives_initiative_trigram",
    "initiatives_initiative_lineage",
    "initiatives_listing_themes",
    "initiatives_listing_places",
    "initiatives_listing_orgs",
    "initiatives_listing_roles",
    "initiatives_listing_org_roles",
]


class BulkLoad:
    """A connection's cursor, the rows written per table, and the timing of each phase."""

    def __init__(self, out):
        self.out = out
        self.counts = Counter()
        connection.ensure_connection()
        self.cursor = connection.connection.cursor()

    def execute(self, sql, params=None):
        self.cursor.execute(sql, params)
        return self.cursor.fetchall() if self.cursor.description else None

    def reserve_ids(self, table, count):
        """The first of `count` consecutive ids taken from the table's sequence, no other
        writer being able to insert meanwhile."""
        self.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        [(sequence,)] = self.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        [(last,)] = self.execute(
            f"SELECT GREATEST((SELECT COALESCE(max(id), 0) FROM {table}),"
            f" (SELECT last_value FROM {sequence}))"
        )
        self.execute("SELECT setval(%s, %s)", [sequence, last + count])
        return last + 1

    def copy(self, table, columns, rows):
        names = ", ".join(f'"{column}"' for column in columns)
        written = 0
        with self.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                written += 1
        self.counts[table] += written

    def phase(self, name, step, *args):
        started = time.perf_counter()
        result = step(*args)
        elapsed = time.perf_counter() - started
        if self.out:
            self.out.write(f"  {name} : {elapsed:.1f} s")
            self.out.flush()
        return result

    def suspend(self):
        """Drop the GIN indexes of the initiatives and the foreign keys of the loaded tables;
        return the statements that put them back as they were."""
        indexes = self.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = current_schema() AND indexname = ANY(%s)",
            [REBUILT_INDEXES],
        )
        constraints = self.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [LOADED_TABLES],
        )
        restore = []
        for name, definition in indexes:
            self.execute(f'DROP INDEX "{name}"')
            restore.append(definition)
        for table, name, definition in constraints:
            self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        return restore

    def restore(self, statements):
        for statement in statements:
            self.execute(statement)

    def analyze(self):
        for table in self.counts:
            self.execute(f"ANALYZE {table}")

    def report(self, total):
        if not self.out:
            return
        self.out.write("Lignes ajoutées :")
        for table, rows in self.counts.items():
            self.out.write(f"  {table} : {rows:,}".replace(",", " "))
        self.out.write(f"Total : {total:.1f} s")
