"""SQL that the ORM cannot express, run by migrations."""

# unaccent() is only STABLE (its dictionary could change), so it cannot feed a generated
# column or an index; this wrapper names the dictionary explicitly and is declared IMMUTABLE.
SORT_KEY_FUNCTION = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION registre_sort_key(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, value));
"""
DROP_SORT_KEY_FUNCTION = "DROP FUNCTION IF EXISTS registre_sort_key(text);"

# Keeps `lineage` (ids from the root down to the row) right on every insert and move of a tree
# node, moves the whole subtree with it, and refuses cycles, whoever writes the row.
TREE_LINEAGE_FUNCTION = """
CREATE OR REPLACE FUNCTION registre_tree_lineage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent_lineage bigint[];
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.lineage := ARRAY[NEW.id];
    ELSE
        EXECUTE format('SELECT lineage FROM %I WHERE id = $1', TG_TABLE_NAME)
            INTO parent_lineage USING NEW.parent_id;
        IF NEW.id = ANY(parent_lineage) OR NEW.parent_id = NEW.id THEN
            RAISE EXCEPTION 'a row of % cannot be placed under itself or its descendants',
                TG_TABLE_NAME
                USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_no_cycle';
        END IF;
        NEW.lineage := parent_lineage || NEW.id;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION registre_tree_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Touching the children fires their BEFORE trigger, which rebuilds their lineage.
    EXECUTE format('UPDATE %I SET parent_id = parent_id WHERE parent_id = $1', TG_TABLE_NAME)
        USING NEW.id;
    RETURN NULL;
END $$;
"""
DROP_TREE_LINEAGE_FUNCTION = """
DROP FUNCTION IF EXISTS registre_tree_cascade();
DROP FUNCTION IF EXISTS registre_tree_lineage();
"""


def tree_triggers(table):
    return f"""
CREATE TRIGGER {table}_lineage BEFORE INSERT OR UPDATE OF parent_id, lineage ON {table}
    FOR EACH ROW EXECUTE FUNCTION registre_tree_lineage();
CREATE TRIGGER {table}_lineage_cascade AFTER UPDATE OF parent_id ON {table}
    FOR EACH ROW WHEN (OLD.lineage IS DISTINCT FROM NEW.lineage)
    EXECUTE FUNCTION registre_tree_cascade();
"""


def drop_tree_triggers(table):
    return f"""
DROP TRIGGER IF EXISTS {table}_lineage_cascade ON {table};
DROP TRIGGER IF EXISTS {table}_lineage ON {table};
"""


# French full-text search that ignores accents: "economie" finds "Économie", "financeurs" finds
# "financeur". Declared once; to_tsvector() with an explicit configuration is immutable, so it
# can fill stored generated columns indexed with GIN.
SEARCH_CONFIGURATION = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'registre_fr') THEN
        CREATE TEXT SEARCH CONFIGURATION registre_fr (COPY = pg_catalog.french);
        ALTER TEXT SEARCH CONFIGURATION registre_fr
            ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, french_stem;
    END IF;
END $$;
"""
DROP_SEARCH_CONFIGURATION = "DROP TEXT SEARCH CONFIGURATION IF EXISTS registre_fr;"
