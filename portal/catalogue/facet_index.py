"""The facet counts of the public index from bitmaps held in this process's memory.

A partner's never-seen combination of filters used to count hundreds of thousands of listing
rows in SQL; here it is a few intersections of compressed bitmaps (pyroaring), one per value
of each facet, and for the actors a count over an array of (initiative, organisation) pairs
(numpy). The counts are exact, and the same as the SQL's:

- The bitmaps hold the listing (public initiatives only, kept by PostgreSQL triggers) as one
  snapshot saw it. Before each use they catch up with the listing's writes that this
  snapshot could not see, noted by the database whatever wrote them (`ListingChange`), in
  the order they became visible rather than the order they started.
- They answer only the filters whose counts they give exactly as `FacetCounts` does: theme,
  territory, type, status and period. With words searched, or an actor or a role chosen, the
  SQL counts (`answers`).
- A full build reads the whole listing (seconds at a million initiatives): it runs in a
  thread of its own, while the SQL answers. They are never read or brought up to date inside
  a transaction, whose uncommitted writes they must not learn.
"""

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connections, transaction
from pyroaring import BitMap

logger = logging.getLogger(__name__)

# The facets (and their listing columns) counted here, and the filters understood here.
VALUE_COLUMNS = {
    "thematique": "themes",
    "territoire": "territories",
    "type": "kind",
    "statut": "status",
    "role": "roles",
}
ARRAYS = ("themes", "territories", "roles")
CHOICES = ("kind", "status")
FILTERS = {"thematique", "territoire", "type", "statut", "de", "a", "tri"}
# Past this age (hours, by the database's clock) the notes it would catch up from may be
# pruned (ListingChange keeps a day): the whole listing is read again.
MAX_AGE_HOURS = 12

LISTED = (
    "listing.initiative_id, listing.kind, listing.status, left(listing.start, 4)::int, "
    'left(listing."end", 4)::int, listing.themes, listing.territories, listing.roles, '
    "listing.organisations"
)
# In one statement (one snapshot): the snapshot, the writes noted since the last one, and the
# listing rows they wrote (none for a deleted row).
CHANGES_SQL = f"""
SELECT now.snapshot::text, now.checked_at, now.checked_at - %s::timestamptz,
       changed.initiative_id, changed.initiative_id IS NULL AND changed.noted, {LISTED}
FROM (SELECT pg_current_snapshot() AS snapshot, now() AS checked_at) AS now
LEFT JOIN (
    SELECT DISTINCT initiative_id, true AS noted
    FROM initiatives_listingchange
    WHERE transaction >= pg_snapshot_xmin(%s::pg_snapshot)::text::bigint
        AND NOT pg_visible_in_snapshot(transaction::text::xid8, %s::pg_snapshot)
) AS changed ON true
LEFT JOIN initiatives_listing AS listing ON listing.initiative_id = changed.initiative_id
"""


@dataclass
class Bitmaps:
    """The listing as one snapshot saw it: for each column, each value's initiatives."""

    database: str
    snapshot: str
    checked_at: object
    values: dict = field(default_factory=lambda: defaultdict(dict))
    every: BitMap = field(default_factory=BitMap)
    starts: dict = field(default_factory=dict)  # year (None: unknown) → initiatives
    ends: dict = field(default_factory=dict)
    organisations: "Pairs" = None

    def add(self, rows):
        """Listing rows (the LISTED columns) into the bitmaps."""
        pairs = []
        for pk, kind, status, start, end, themes, territories, roles, organisations in rows:
            self.every.add(pk)
            for column, key in (("kind", kind), ("status", status)):
                self._bitmap(self.values[column], key).add(pk)
            self._bitmap(self.starts, start).add(pk)
            self._bitmap(self.ends, end).add(pk)
            for column, keys in zip(ARRAYS, (themes, territories, roles), strict=True):
                for key in keys:
                    self._bitmap(self.values[column], key).add(pk)
            pairs.extend((pk, organisation) for organisation in organisations)
        self.organisations.add(pairs)

    def remove(self, pks):
        gone = BitMap(pks)
        self.every -= gone
        for bitmaps in (*self.values.values(), self.starts, self.ends):
            for bitmap in bitmaps.values():
                bitmap -= gone
        self.organisations.remove(gone)

    @staticmethod
    def _bitmap(bitmaps, key):
        bitmap = bitmaps.get(key)
        if bitmap is None:
            bitmap = bitmaps[key] = BitMap()
        return bitmap


class Pairs:
    """(initiative, organisation) pairs, organisations numbered densely, so that the actors of
    any set of initiatives are counted in one pass (numpy.bincount).

    The pairs read at the build are kept by initiative (compressed sparse rows: `starts[pk]`
    to `starts[pk + 1]` in `codes`), and only the chosen initiatives' are read. The writes
    since then are kept beside them: the initiatives whose pairs changed are `stale`, their
    pairs now are in `added`."""

    COMPACT_AFTER = 100_000  # pairs written since the build: then they are merged in

    def __init__(self, initiatives, organisations):
        """From two arrays of the same length: initiatives, and the organisations' numbers."""
        keys, codes = np.unique(organisations, return_inverse=True)
        self.keys = keys.tolist()
        self.key_codes = {key: code for code, key in enumerate(self.keys)}
        self._index(np.asarray(initiatives, dtype=np.int64), codes.astype(np.int32))

    def _index(self, initiatives, codes):
        order = np.argsort(initiatives, kind="stable")
        size = int(initiatives.max()) + 2 if len(initiatives) else 1
        self.starts = np.zeros(size, dtype=np.int64)
        np.cumsum(np.bincount(initiatives + 1, minlength=size), out=self.starts)
        self.codes = codes[order]
        self.stale = BitMap()
        self.added = (np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int32))

    def add(self, pairs):
        if not pairs:
            return
        for _pk, key in pairs:
            if key not in self.key_codes:
                self.key_codes[key] = len(self.keys)
                self.keys.append(key)
        initiatives, codes = self.added
        self.added = (
            np.concatenate([initiatives, np.fromiter((pk for pk, _k in pairs), np.uint32)]),
            np.concatenate([codes, np.fromiter((self.key_codes[k] for _pk, k in pairs), np.int32)]),
        )
        if len(self.added[0]) > self.COMPACT_AFTER:
            self._index(*self.listed_arrays())

    def remove(self, gone):
        self.stale |= gone
        initiatives, codes = self.added
        kept = ~_mask(gone, initiatives)
        self.added = (initiatives[kept], codes[kept])

    def listed_arrays(self):
        """(initiatives, codes) of every pair as it is now."""
        initiatives = np.repeat(np.arange(len(self.starts) - 1), np.diff(self.starts))
        current = ~_mask(self.stale, initiatives)
        return (
            np.concatenate([initiatives[current], self.added[0].astype(np.int64)]),
            np.concatenate([self.codes[current], self.added[1]]),
        )

    def listed(self):
        """[(initiative, organisation)] of every pair as it is now, sorted."""
        initiatives, codes = self.listed_arrays()
        organisations = [self.keys[code] for code in codes.tolist()]
        return sorted(zip(initiatives.tolist(), organisations, strict=True))

    def top(self, rows, limit):
        """[(organisation, number of the rows it is involved in)], the most frequent first
        (ties by the organisation's number as text, as the SQL orders them), at most limit."""
        if not rows or not self.keys:
            return []
        counts = np.bincount(self._codes_of(rows - self.stale), minlength=len(self.keys))
        initiatives, codes = self.added
        if len(initiatives):
            counts += np.bincount(codes[_mask(rows, initiatives)], minlength=len(self.keys))
        floor = 1
        if len(counts) > limit:
            # Every organisation counting as many as the limit-th best may be among the top.
            floor = max(floor, np.partition(counts, len(counts) - limit)[len(counts) - limit])
        present = np.flatnonzero(counts >= floor)
        ranked = sorted(
            ((self.keys[code], int(counts[code])) for code in present),
            key=lambda pair: (-pair[1], str(pair[0])),
        )
        return ranked[:limit]

    def _codes_of(self, rows):
        """The organisations' numbers of these initiatives' pairs read at the build."""
        pks = np.frombuffer(rows.to_array(), dtype=np.uint32).astype(np.int64)
        pks = pks[pks < len(self.starts) - 1]
        firsts = self.starts[pks]
        lengths = self.starts[pks + 1] - firsts
        # The positions of every pair of these initiatives: each run's first position
        # repeated along the run, plus the place in the run.
        shift = firsts - (np.cumsum(lengths) - lengths)
        return self.codes[np.repeat(shift, lengths) + np.arange(int(lengths.sum()))]


# A row of a binary COPY of two int4 columns: the number of fields, then each one's length
# and value, big-endian. The data follow a 19-byte header and end with a 2-byte trailer.
PAIR = np.dtype(
    [("fields", ">i2"), ("size", ">i4"), ("initiative", ">i4"), ("size2", ">i4"), ("key", ">i4")]
)


def _organisation_pairs(cursor):
    """(initiatives, organisations) of the listing as two arrays, read by a binary COPY
    straight into numpy: two million pairs, without a Python int each."""
    data = bytearray()
    sql = (
        "COPY (SELECT initiative_id::int4, key::int4 "
        "FROM initiatives_listing, unnest(organisations) AS key) TO STDOUT (FORMAT binary)"
    )
    with cursor.copy(sql) as copy:
        for chunk in copy:
            data += chunk
    rows = np.frombuffer(data, dtype=PAIR, offset=19, count=(len(data) - 21) // PAIR.itemsize)
    assert (rows["fields"] == 2).all()
    return rows["initiative"].astype(np.uint32), rows["key"].astype(np.int64)


def _mask(bitmap, pks):
    """Which of the pks (a numpy array) are in the bitmap."""
    members = np.frombuffer(bitmap.to_array(), dtype=np.uint32)
    if not len(pks):
        return np.zeros(0, dtype=bool)
    size = int(max(pks.max(), members.max() if len(members) else 0)) + 1
    table = np.zeros(size, dtype=bool)
    table[members] = True
    return table[pks]


class FacetIndex:
    """This process's bitmaps, built in the background and brought up to date before use."""

    def __init__(self):
        self._bitmaps = None
        self._lock = threading.Lock()
        self._building = None  # the thread building them

    def ready(self, connection):
        """The bitmaps, up to date with what this connection sees now, or None (not built
        yet, being built, or a transaction in progress): then the SQL counts."""
        if connection.in_atomic_block:
            return None
        database = connection.settings_dict["NAME"]
        with self._lock:
            bitmaps = self._bitmaps
            if bitmaps is None or bitmaps.database != database:
                self._build_in_background(connection.alias)
                return None
            if not self._catch_up(bitmaps, connection):
                self._bitmaps = None
                self._build_in_background(connection.alias)
                return None
            return bitmaps

    def build(self, alias="default"):
        """Read the whole listing in one snapshot (in this thread)."""
        connection = connections[alias]
        in_transaction = connection.in_atomic_block  # a test's: it reads what the test wrote
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if not in_transaction:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_current_snapshot()::text, now()")
            snapshot, checked_at = cursor.fetchone()
            bitmaps = Bitmaps(connection.settings_dict["NAME"], snapshot, checked_at)
            # Each value's initiatives, a row at a time: all of them at once as Python lists
            # would be millions of ints (a quarter of a gigabyte at a million initiatives).
            for column in (*ARRAYS, *CHOICES):
                key = "key" if column in ARRAYS else column
                source = f", unnest({column}) AS key" if column in ARRAYS else ""
                cursor.execute(
                    f"SELECT {key}, array_agg(initiative_id) "
                    f"FROM initiatives_listing{source} GROUP BY 1"
                )
                bitmaps.values[column] = {key: BitMap(pks) for key, pks in cursor}
            for name, column in (("starts", "start"), ("ends", '"end"')):
                cursor.execute(
                    f"SELECT left({column}, 4)::int, array_agg(initiative_id) "
                    "FROM initiatives_listing GROUP BY 1"
                )
                setattr(bitmaps, name, {key: BitMap(pks) for key, pks in cursor})
            bitmaps.organisations = Pairs(*_organisation_pairs(cursor.cursor))
            bitmaps.every = BitMap.union(BitMap(), *bitmaps.values["kind"].values())
        with self._lock:
            self._bitmaps = bitmaps
        return bitmaps

    def wait(self, timeout=60):
        """Until the build in progress, if any, is done (for tests and `make bench`)."""
        if self._building is not None:
            self._building.join(timeout)

    def forget(self):
        with self._lock:
            self._bitmaps = None

    def _build_in_background(self, alias):
        if self._building is not None and self._building.is_alive():
            return
        self._building = threading.Thread(
            target=self._build_and_close, args=(alias,), name="facet-index", daemon=True
        )
        self._building.start()

    def _build_and_close(self, alias):
        try:
            self.build(alias)
        except Exception:
            logger.exception("facet index: the build failed; the SQL counts meanwhile")
        finally:
            connections[alias].close()  # this thread's own connection

    def _catch_up(self, bitmaps, connection):
        """Apply the listing's writes this snapshot could not see; False when the whole
        listing must be read again."""
        with connection.cursor() as cursor:
            cursor.execute(CHANGES_SQL, [bitmaps.checked_at, bitmaps.snapshot, bitmaps.snapshot])
            found = cursor.fetchall()
        snapshot, checked_at, age = found[0][:3]
        if any(row[4] for row in found) or age.total_seconds() > MAX_AGE_HOURS * 3600:
            return False
        changed = [row[3] for row in found if row[3] is not None]
        if changed:
            bitmaps.remove(changed)
            bitmaps.add([row[5:] for row in found if row[5] is not None])
        bitmaps.snapshot, bitmaps.checked_at = snapshot, checked_at
        return True


index = FacetIndex()


def count(bitmaps, chosen, period, facets, keys, with_total, actors_shown, present_only=None):
    """{facet: {value: number of results if that value were chosen, the other filters
    kept}} and "total", as FacetCounts counts them in SQL. `chosen` holds the values chosen
    for each facet (pks for the trees), `period` the years (first, last), `keys` may restrict
    a facet to the values shown; the actors are the `actors_shown` most frequent.

    `present_only` ({facet: values}) names values whose number is not needed, only whether
    they give results (a commune deep in the tree of territories): they are found with no
    count, under "present" ({facet: values that give results})."""
    filters = _filters(bitmaps, chosen, period)
    results = _rows(bitmaps, filters)
    counts = {"total": len(results)} if with_total else {}
    for facet in facets:
        rows = _rows(bitmaps, filters, leaving_out=facet) if facet in filters else results
        if facet == "acteur":
            counts[facet] = dict(bitmaps.organisations.top(rows, actors_shown))
            continue
        values = bitmaps.values[VALUE_COLUMNS[facet]]
        shown = keys.get(facet)
        if shown is not None:
            values = {key: values[key] for key in shown if key in values}
        only = (present_only or {}).get(facet)
        if only:
            counts.setdefault("present", {})[facet] = {
                key for key, bitmap in values.items() if key in only and rows.intersect(bitmap)
            }
            values = {key: bitmap for key, bitmap in values.items() if key not in only}
        counted = ((key, rows.intersection_cardinality(bitmap)) for key, bitmap in values.items())
        counts[facet] = {key: number for key, number in counted if number}
    return counts


def count_groups(bitmaps, chosen, period, groups):
    """{name: number of results if any territory of the group were chosen}, the other
    filters kept (FacetCounts.territory_group_counts)."""
    rows = _rows(bitmaps, _filters(bitmaps, chosen, period), leaving_out="territoire")
    territories = bitmaps.values["territories"]
    counts = {}
    for name, pks in groups.items():
        group = _union(territories.get(pk) for pk in pks)
        if number := rows.intersection_cardinality(group):
            counts[name] = number
    return counts


def _filters(bitmaps, chosen, period):
    """{filter: the initiatives it keeps}: a facet keeps any of its values (OR)."""
    filters = {
        name: _union(bitmaps.values[VALUE_COLUMNS[name]].get(value) for value in values)
        for name, values in chosen.items()
        if values
    }
    if period != (None, None):
        filters["période"] = _active_between(bitmaps, *period)
    return filters


def _rows(bitmaps, filters, leaving_out=None):
    """The initiatives every filter keeps (AND), but the one left out."""
    kept = [bitmap for name, bitmap in filters.items() if name != leaving_out]
    if not kept:
        return bitmaps.every
    return BitMap.intersection(*kept) if len(kept) > 1 else kept[0]


def _active_between(bitmaps, first, last):
    """Active at some point of the years (Listing.objects.active_between): started by the
    last year or at an unknown date, and ended from the first year on or not known to end."""
    started = _union(
        bitmap for year, bitmap in bitmaps.starts.items()
        if last is None or year is None or year <= last
    )  # fmt: skip
    ended = _union(
        bitmap for year, bitmap in bitmaps.ends.items()
        if first is None or year is None or year >= first
    )  # fmt: skip
    return started & ended


def _union(bitmaps):
    return BitMap.union(BitMap(), *(bitmap for bitmap in bitmaps if bitmap is not None))
