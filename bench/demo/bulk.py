"""Bulk loading into PostgreSQL for the demo-data generator: ids reserved from the sequences,
rows streamed with COPY, and a bulk mode for loads larger than the registry already there.

In bulk mode the foreign keys of the loaded tables and every index that backs no constraint
are dropped, then put back from their exact definitions before the transaction ends. Checking a
foreign key once per table costs seconds where the per-row checks queued until COMMIT cost
minutes (110 s of 540 for a million initiatives), and a sorted, parallel index build a fraction
of its row-by-row upkeep (about 30 % of the initiatives' COPY, measured at 20 000). The row
triggers of the initiatives that only derive columns the generator writes itself (lineage,
visibility, the translation sources) are disabled for the load, in this transaction only: the
test compares their columns with what the triggers compute. What remains of the initiatives'
COPY is their generated columns (plain text, French and English search vectors: about 0.5 ms
of one core per initiative). The tables stay locked until the end: the portal waits for the
load rather than see half of it.
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
# The listing is rebuilt from scratch after the load: its indexes are built once, after it.
INDEXED_TABLES = [table for table in LOADED_TABLES if table != "initiatives_territory"]
INDEXED_TABLES.append("initiatives_listing")
# Row triggers whose columns the generator fills itself (lineage: [parent, id] or [id];
# is_public: published, under a public programme; translated_from: {} without English), and the
# one that updates the children of a public row inserted after them, which have none yet.
SUSPENDED_TRIGGERS = {
    "initiatives_initiative": [
        "initiatives_initiative_lineage",
        "initiatives_initiative_visibility",
        "initiatives_initiative_visibility_inserted",
        "initiatives_initiative_translated_from",
    ],
}


class BulkLoad:
    """A connection's cursor, the rows written per table, and the timing of each phase."""

    def __init__(self, out):
        self.out = out
        self.counts = Counter()
        connection.ensure_connection()
        self.cursor = connection.connection.cursor()

    def settings(self):
        self.execute("SET LOCAL synchronous_commit = off")
        self.execute("SET LOCAL maintenance_work_mem = '256MB'")
        self.execute("SET LOCAL work_mem = '64MB'")
        # Check what is pending now (ALTER TABLE refuses a table with pending checks), and the
        # rows of each statement at its end from here on.
        self.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The listing, its totals and the search vocabulary are built once, after the load.
        self.execute("SET LOCAL registre.bulk_load = 'on'")

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
        """Drop the indexes backing no constraint of the loaded tables and their foreign keys,
        and disable the SUSPENDED_TRIGGERS; return the statements that put back the b-tree
        indexes (needed by the listing's rebuild), then the others, the keys and triggers."""
        indexes = self.execute(
            "SELECT index.indexrelid::regclass::text, pg_get_indexdef(index.indexrelid),"
            " method.amname = 'btree' AND index.indrelid <> 'initiatives_listing'::regclass"
            " FROM pg_index index JOIN pg_class class ON class.oid = index.indexrelid"
            " JOIN pg_am method ON method.oid = class.relam"
            " WHERE index.indrelid = ANY(%s::regclass[]) AND NOT EXISTS"
            " (SELECT FROM pg_constraint c WHERE c.conindid = index.indexrelid)",
            [INDEXED_TABLES],
        )
        constraints = self.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [LOADED_TABLES],
        )
        triggers = self.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
            " WHERE tgname = ANY(%s) AND tgenabled = 'O'",
            [[name for names in SUSPENDED_TRIGGERS.values() for name in names]],
        )
        early, late = [], []
        for name, definition, btree in indexes:
            self.execute(f'DROP INDEX "{name}"')
            (early if btree else late).append(definition)
        for table, name, definition in constraints:
            self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            late.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table, name in triggers:
            self.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
            late.append(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')
        return early, late

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
