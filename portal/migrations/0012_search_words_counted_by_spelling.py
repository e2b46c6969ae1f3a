from django.db import migrations

# The vocabulary's rebuild (0005) gave each occurrence of a word its key (registre_sort_key,
# twice) and read every title in one process, its INSERT forbidding a parallel plan: 46 s at a
# million initiatives. The occurrences are now counted by spelling in a query of their own
# (RETURN QUERY may read in parallel), then each spelling is given its key once: 8 s. A word's
# key depends on its spelling alone, so the words and their most frequent spellings are the same.
SPELLINGS = """
-- The words of a text as it writes them, in lower case: its runs of 3 to 40 letters.
CREATE FUNCTION registre_spellings(text) RETURNS SETOF varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT spelling
    FROM (SELECT lower(match[1]) AS spelling FROM regexp_matches($1, '[[:alpha:]]+', 'g') AS match)
        AS found
    WHERE char_length(spelling) BETWEEN 3 AND 40
$$;

CREATE OR REPLACE FUNCTION registre_words(text) RETURNS TABLE (word varchar, spelling varchar)
LANGUAGE sql IMMUTABLE AS $$
    SELECT registre_sort_key(spelling), spelling
    FROM registre_spellings($1) AS spelling
    WHERE char_length(registre_sort_key(spelling)) BETWEEN 3 AND 40
$$;

-- How many times each spelling is written in the public titles and names.
CREATE FUNCTION registre_spelling_uses() RETURNS TABLE (spelling varchar, uses bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT found.spelling, COUNT(*)
    FROM (
        SELECT title AS text FROM initiatives_initiative WHERE is_public
        UNION ALL
        SELECT name FROM actors_organisation WHERE publication_state = 'published'
    ) AS named, LATERAL registre_spellings(named.text) AS found (spelling)
    GROUP BY found.spelling;
END $$;

CREATE OR REPLACE FUNCTION registre_search_words_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM portal_searchword;
    INSERT INTO portal_searchword (word, spelling)
    SELECT DISTINCT ON (word) word, spelling
    FROM (
        SELECT registre_sort_key(spelling) AS word, spelling, uses
        FROM registre_spelling_uses()
    ) AS words
    WHERE char_length(word) BETWEEN 3 AND 40
    ORDER BY word, uses DESC, spelling DESC;
$$;
"""

EACH_OCCURRENCE = """
CREATE OR REPLACE FUNCTION registre_words(text) RETURNS TABLE (word varchar, spelling varchar)
LANGUAGE sql IMMUTABLE AS $$
    SELECT registre_sort_key(spelling), spelling
    FROM (SELECT lower(match[1]) AS spelling FROM regexp_matches($1, '[[:alpha:]]+', 'g') AS match)
        AS found
    WHERE char_length(spelling) BETWEEN 3 AND 40
        AND char_length(registre_sort_key(spelling)) BETWEEN 3 AND 40
$$;

CREATE OR REPLACE FUNCTION registre_search_words_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM portal_searchword;
    INSERT INTO portal_searchword (word, spelling)
    SELECT DISTINCT ON (word) word, spelling
    FROM (
        SELECT found.word, found.spelling FROM initiatives_initiative r,
            LATERAL registre_words(r.title) AS found WHERE r.is_public
        UNION ALL
        SELECT found.word, found.spelling FROM actors_organisation r,
            LATERAL registre_words(r.name) AS found WHERE r.publication_state = 'published'
    ) AS words
    GROUP BY word, spelling
    ORDER BY word, COUNT(*) DESC, spelling DESC;
$$;

DROP FUNCTION registre_spelling_uses();
DROP FUNCTION registre_spellings(text);
"""


class Migration(migrations.Migration):
    dependencies = [("portal", "0011_window_counts")]

    operations = [migrations.RunSQL(SPELLINGS, EACH_OCCURRENCE)]
