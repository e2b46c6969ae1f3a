"""The listing of public initiatives and its totals, kept by PostgreSQL.

Statement-level triggers with transition tables find, for every write to a table the listing is
built from, the initiatives whose row may have changed, and `registre_listing_refresh()`
rebuilds exactly those rows; triggers on the listing itself keep the totals. Whatever writes
(the ORM, QuerySet.update(), bulk_create, raw SQL, loaddata, cascades, a migration), the
listing follows in the same transaction.

No registry-wide lock: two refreshes of the same initiative take turns on a lock of their own
(per initiative), and totals are deltas inserted without conflict, folded into one row a value
by whichever transaction gets the folding lock without waiting.

A bulk load (the demo generator) may defer this upkeep for its own transaction with
`SET LOCAL registre.bulk_load = 'on'`, and then calls `registre_rebuild_derived()` (portal
migration 0005) before it commits. Visibility itself (`is_public`) is never deferred.

This migration carries its own SQL: it must not change when the application code does.
"""

from django.db import migrations

FUNCTIONS = """
-- The listing rows of these initiatives, as their records say now: none for a hidden one.
CREATE FUNCTION registre_listing_rows(ids bigint[])
RETURNS TABLE (
    initiative_id bigint, is_top_level boolean, kind varchar, status varchar, start varchar,
    "end" varchar, sort_key varchar, updated_at timestamptz, themes bigint[],
    territories bigint[], organisations bigint[], roles varchar[], organisation_roles varchar[]
) LANGUAGE sql STABLE AS $$
SELECT
    i.id, i.parent_id IS NULL, i.kind, i.status, i.start, i."end", i.sort_key, i.updated_at,
    ARRAY(
        SELECT DISTINCT ancestor
        FROM initiatives_initiative_themes link
        JOIN initiatives_theme theme ON theme.id = link.theme_id
        CROSS JOIN LATERAL unnest(theme.lineage) AS ancestor
        WHERE link.initiative_id = i.id
        ORDER BY 1
    ),
    ARRAY(
        SELECT key FROM initiatives_initiative_territories link
        JOIN initiatives_territory territory ON territory.id = link.territory_id
        CROSS JOIN LATERAL unnest(territory.lineage) AS key
        WHERE link.initiative_id = i.id
        UNION
        SELECT successor.from_territory_id FROM initiatives_initiative_territories link
        JOIN initiatives_territory_successors successor
            ON successor.to_territory_id = link.territory_id
        WHERE link.initiative_id = i.id
        UNION
        SELECT successor.to_territory_id FROM initiatives_initiative_territories link
        JOIN initiatives_territory_successors successor
            ON successor.from_territory_id = link.territory_id
        WHERE link.initiative_id = i.id
        ORDER BY 1
    ),
    ARRAY(
        SELECT DISTINCT involvement.organisation_id
        FROM actors_involvement involvement
        JOIN actors_organisation organisation ON organisation.id = involvement.organisation_id
        WHERE involvement.initiative_id = i.id AND organisation.publication_state = 'published'
        ORDER BY 1
    ),
    ARRAY(
        SELECT DISTINCT involvement.role
        FROM actors_involvement involvement
        LEFT JOIN actors_organisation organisation
            ON organisation.id = involvement.organisation_id
        LEFT JOIN actors_person person ON person.id = involvement.person_id
        WHERE involvement.initiative_id = i.id
            AND 'published' IN (organisation.publication_state, person.publication_state)
        ORDER BY 1
    ),
    ARRAY(
        SELECT DISTINCT involvement.organisation_id || ':' || involvement.role
        FROM actors_involvement involvement
        JOIN actors_organisation organisation ON organisation.id = involvement.organisation_id
        WHERE involvement.initiative_id = i.id AND organisation.publication_state = 'published'
        ORDER BY 1
    )
FROM initiatives_initiative i
WHERE i.id = ANY(ids) AND i.is_public
$$;

-- Rebuild the listing rows of these initiatives: insert, update or delete each as needed;
-- a row whose content did not change is not written.
CREATE FUNCTION registre_listing_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    SELECT array_agg(DISTINCT id ORDER BY id) INTO ids FROM unnest(ids) AS id
    WHERE id IS NOT NULL;
    IF ids IS NULL THEN
        RETURN;
    END IF;
    -- Two refreshes of one initiative take turns (in id order: no deadlock between two
    -- refreshes); refreshes of other initiatives never wait.
    PERFORM pg_advisory_xact_lock(1919, (id % 2147483647)::integer)
    FROM unnest(ids) AS id;
    DELETE FROM initiatives_listing listing
    WHERE listing.initiative_id = ANY(ids)
        AND NOT EXISTS (
            SELECT FROM initiatives_initiative i
            WHERE i.id = listing.initiative_id AND i.is_public
        );
    INSERT INTO initiatives_listing AS listing (
        initiative_id, is_top_level, kind, status, start, "end", sort_key, updated_at,
        themes, territories, organisations, roles, organisation_roles
    )
    SELECT * FROM registre_listing_rows(ids)
    ON CONFLICT (initiative_id) DO UPDATE SET
        is_top_level = EXCLUDED.is_top_level, kind = EXCLUDED.kind, status = EXCLUDED.status,
        start = EXCLUDED.start, "end" = EXCLUDED."end", sort_key = EXCLUDED.sort_key,
        updated_at = EXCLUDED.updated_at, themes = EXCLUDED.themes,
        territories = EXCLUDED.territories, organisations = EXCLUDED.organisations,
        roles = EXCLUDED.roles, organisation_roles = EXCLUDED.organisation_roles
    WHERE (
        listing.is_top_level, listing.kind, listing.status, listing.start, listing."end",
        listing.sort_key, listing.updated_at, listing.themes, listing.territories,
        listing.organisations, listing.roles, listing.organisation_roles
    ) IS DISTINCT FROM (
        EXCLUDED.is_top_level, EXCLUDED.kind, EXCLUDED.status, EXCLUDED.start, EXCLUDED."end",
        EXCLUDED.sort_key, EXCLUDED.updated_at, EXCLUDED.themes, EXCLUDED.territories,
        EXCLUDED.organisations, EXCLUDED.roles, EXCLUDED.organisation_roles
    );
END $$;

-- The whole listing and its totals again, from the records (after a restore, or to check).
CREATE FUNCTION registre_listing_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    previous text;
BEGIN
    -- Writers wait for the rebuild, and it for them; folding stops meanwhile.
    LOCK TABLE initiatives_listing IN EXCLUSIVE MODE;
    PERFORM pg_advisory_xact_lock(1920);
    -- The totals are counted once at the end, not as deltas of a million rows.
    previous := current_setting('registre.bulk_load', true);
    PERFORM set_config('registre.bulk_load', 'on', true);
    DELETE FROM initiatives_listing;
    INSERT INTO initiatives_listing (
        initiative_id, is_top_level, kind, status, start, "end", sort_key, updated_at,
        themes, territories, organisations, roles, organisation_roles
    )
    SELECT * FROM registre_listing_rows(ARRAY(
        SELECT id FROM initiatives_initiative WHERE is_public
    ));
    PERFORM set_config('registre.bulk_load', COALESCE(previous, 'off'), true);
    DELETE FROM initiatives_listingtotal;
    INSERT INTO initiatives_listingtotal ("column", key, count)
    SELECT value.column_name, value.key, COUNT(*)
    FROM initiatives_listing entry, LATERAL registre_listing_values(entry) AS value
    GROUP BY 1, 2;
END $$;

-- The values a listing row is counted under: ("total", ""), its kind, status, and each theme,
-- territory, organisation and role it holds.
CREATE FUNCTION registre_listing_values(entry initiatives_listing)
RETURNS TABLE (column_name varchar, key varchar) LANGUAGE sql IMMUTABLE AS $$
    SELECT 'total', ''
    UNION ALL SELECT 'kind', entry.kind
    UNION ALL SELECT 'status', entry.status
    UNION ALL SELECT 'themes', key::text FROM unnest(entry.themes) AS key
    UNION ALL SELECT 'territories', key::text FROM unnest(entry.territories) AS key
    UNION ALL SELECT 'organisations', key::text FROM unnest(entry.organisations) AS key
    UNION ALL SELECT 'roles', key FROM unnest(entry.roles) AS key
$$;

-- Fold the delta rows of these values into one row each, unless another transaction is
-- folding (then the deltas wait for the next fold: sums stay right either way).
CREATE FUNCTION registre_listing_fold(columns varchar[], keys varchar[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF columns IS NULL OR NOT pg_try_advisory_xact_lock(1920) THEN
        RETURN;
    END IF;
    WITH folded AS (
        DELETE FROM initiatives_listingtotal total
        USING unnest(columns, keys) AS changed (column_name, key)
        WHERE total."column" = changed.column_name AND total.key = changed.key
        RETURNING total."column", total.key, total.count
    )
    INSERT INTO initiatives_listingtotal ("column", key, count)
    SELECT "column", key, SUM(count) FROM folded GROUP BY 1, 2 HAVING SUM(count) <> 0;
END $$;

-- Totals follow the listing, whoever writes it (the refresh, Django's cascade, raw SQL): the
-- net change of each value over the statement's old and new rows is added as delta rows (no
-- conflict, no wait on a shared counter), then folded.
CREATE FUNCTION registre_listing_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    columns varchar[];
    keys varchar[];
BEGIN
    IF current_setting('registre.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        WITH added AS (
            INSERT INTO initiatives_listingtotal ("column", key, count)
            SELECT value.column_name, value.key, COUNT(*)
            FROM new_rows entry, LATERAL registre_listing_values(entry) AS value
            GROUP BY 1, 2
            RETURNING "column", key
        )
        SELECT array_agg("column"), array_agg(key) INTO columns, keys FROM added;
    ELSIF TG_OP = 'DELETE' THEN
        WITH added AS (
            INSERT INTO initiatives_listingtotal ("column", key, count)
            SELECT value.column_name, value.key, -COUNT(*)
            FROM old_rows entry, LATERAL registre_listing_values(entry) AS value
            GROUP BY 1, 2
            RETURNING "column", key
        )
        SELECT array_agg("column"), array_agg(key) INTO columns, keys FROM added;
    ELSE
        WITH deltas AS (
            SELECT value.column_name, value.key, -1 AS n
            FROM old_rows entry, LATERAL registre_listing_values(entry) AS value
            UNION ALL
            SELECT value.column_name, value.key, 1
            FROM new_rows entry, LATERAL registre_listing_values(entry) AS value
        ), added AS (
            INSERT INTO initiatives_listingtotal ("column", key, count)
            SELECT column_name, key, SUM(n) FROM deltas GROUP BY 1, 2 HAVING SUM(n) <> 0
            RETURNING "column", key
        )
        SELECT array_agg("column"), array_agg(key) INTO columns, keys FROM added;
    END IF;
    PERFORM registre_listing_fold(columns, keys);
    RETURN NULL;
END $$;

-- What each write touches --------------------------------------------------------------------

CREATE FUNCTION registre_listing_initiatives_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('registre.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM registre_listing_refresh(ARRAY(SELECT id FROM new_rows WHERE is_public));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM registre_listing_refresh(ARRAY(SELECT id FROM old_rows WHERE is_public));
    ELSE
        PERFORM registre_listing_refresh(ARRAY(
            SELECT after.id FROM new_rows after JOIN old_rows before ON before.id = after.id
            WHERE (after.is_public OR before.is_public) AND (
                after.is_public, after.parent_id IS NULL, after.kind, after.status, after.start,
                after."end", after.sort_key, after.updated_at
            ) IS DISTINCT FROM (
                before.is_public, before.parent_id IS NULL, before.kind, before.status, before.start,
                before."end", before.sort_key, before.updated_at
            )
        ));
    END IF;
    RETURN NULL;
END $$;

-- Link tables and involvements: the initiatives of the rows written (old and new).
CREATE FUNCTION registre_listing_links_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('registre.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM registre_listing_refresh(ARRAY(SELECT initiative_id FROM new_rows));
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM registre_listing_refresh(ARRAY(SELECT initiative_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;

-- A theme or territory moved (its lineage changed): what is filed under it.
CREATE FUNCTION registre_listing_tree_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('registre.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_ARGV[0] = 'theme' THEN
        PERFORM registre_listing_refresh(ARRAY(
            SELECT link.initiative_id
            FROM new_rows after JOIN old_rows before ON before.id = after.id
            JOIN initiatives_initiative_themes link ON link.theme_id = after.id
            WHERE after.lineage IS DISTINCT FROM before.lineage
        ));
    ELSE
        PERFORM registre_listing_refresh(ARRAY(
            SELECT link.initiative_id
            FROM new_rows after JOIN old_rows before ON before.id = after.id
            JOIN initiatives_initiative_territories link ON link.territory_id = after.id
            WHERE after.lineage IS DISTINCT FROM before.lineage
        ));
    END IF;
    RETURN NULL;
END $$;

-- A succession between territories: what is filed under either side.
CREATE FUNCTION registre_listing_successions_written() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    territories bigint[];
BEGIN
    IF current_setting('registre.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        territories := ARRAY(
            SELECT from_territory_id FROM new_rows UNION SELECT to_territory_id FROM new_rows
        );
    ELSE
        territories := ARRAY(
            SELECT from_territory_id FROM old_rows UNION SELECT to_territory_id FROM old_rows
        );
    END IF;
    PERFORM registre_listing_refresh(ARRAY(
        SELECT initiative_id FROM initiatives_initiative_territories
        WHERE territory_id = ANY(territories)
    ));
    RETURN NULL;
END $$;

-- An organisation or a person published or unpublished: the initiatives they take part in.
CREATE FUNCTION registre_listing_actors_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('registre.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_ARGV[0] = 'organisation' THEN
        PERFORM registre_listing_refresh(ARRAY(
            SELECT involvement.initiative_id
            FROM new_rows after JOIN old_rows before ON before.id = after.id
            JOIN actors_involvement involvement ON involvement.organisation_id = after.id
            WHERE after.publication_state IS DISTINCT FROM before.publication_state
        ));
    ELSE
        PERFORM registre_listing_refresh(ARRAY(
            SELECT involvement.initiative_id
            FROM new_rows after JOIN old_rows before ON before.id = after.id
            JOIN actors_involvement involvement ON involvement.person_id = after.id
            WHERE after.publication_state IS DISTINCT FROM before.publication_state
        ));
    END IF;
    RETURN NULL;
END $$;
"""


def triggers(table, function, events=("INSERT", "UPDATE", "DELETE"), argument=""):
    """One statement-level trigger an event: a trigger with transition tables takes one."""
    sql = []
    for event in events:
        tables = {
            "INSERT": "NEW TABLE AS new_rows",
            "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "DELETE": "OLD TABLE AS old_rows",
        }[event]
        sql.append(
            f"CREATE TRIGGER {table}_listing_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING {tables} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {function}({argument});"
        )
    return "\n".join(sql)


def drop_triggers(table, events=("INSERT", "UPDATE", "DELETE")):
    return "\n".join(
        f"DROP TRIGGER IF EXISTS {table}_listing_{event.lower()} ON {table};" for event in events
    )


TRIGGERS = [
    ("initiatives_listing", "registre_listing_totals", ("INSERT", "UPDATE", "DELETE"), ""),
    ("initiatives_initiative", "registre_listing_initiatives_written", None, ""),
    ("initiatives_initiative_themes", "registre_listing_links_written", None, ""),
    ("initiatives_initiative_territories", "registre_listing_links_written", None, ""),
    ("actors_involvement", "registre_listing_links_written", None, ""),
    ("initiatives_theme", "registre_listing_tree_moved", ("UPDATE",), "'theme'"),
    ("initiatives_territory", "registre_listing_tree_moved", ("UPDATE",), "'territory'"),
    (
        "initiatives_territory_successors",
        "registre_listing_successions_written",
        ("INSERT", "DELETE"),
        "",
    ),
    ("actors_organisation", "registre_listing_actors_written", ("UPDATE",), "'organisation'"),
    ("actors_person", "registre_listing_actors_written", ("UPDATE",), "'person'"),
]
ALL_EVENTS = ("INSERT", "UPDATE", "DELETE")

INSTALL = "\n".join(
    [FUNCTIONS]
    + [
        triggers(table, function, events or ALL_EVENTS, argument)
        for table, function, events, argument in TRIGGERS
    ]
    + ["SELECT registre_listing_rebuild();"]
)
UNINSTALL = "\n".join(
    [drop_triggers(table, events or ALL_EVENTS) for table, _f, events, _a in TRIGGERS]
    + [
        f"DROP FUNCTION IF EXISTS {name};"
        for name in (
            "registre_listing_actors_written()",
            "registre_listing_successions_written()",
            "registre_listing_tree_moved()",
            "registre_listing_links_written()",
            "registre_listing_initiatives_written()",
            "registre_listing_totals()",
            "registre_listing_fold(varchar[], varchar[])",
            "registre_listing_rebuild()",
            "registre_listing_values(initiatives_listing)",
            "registre_listing_refresh(bigint[])",
            "registre_listing_rows(bigint[])",
        )
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0005_fill_listing_and_totals"),
        ("initiatives", "0007_visibility_in_database"),
    ]

    operations = [migrations.RunSQL(INSTALL, UNINSTALL)]
