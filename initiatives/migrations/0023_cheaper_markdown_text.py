# The plain text of Markdown (migration 0018) computed by the same steps, each skipped where a
# string its pattern cannot match without is absent: the same output for every input, for a
# quarter of the CPU on the bench generator's descriptions (each regexp_replace converts and
# scans the whole text even when nothing matches; strpos is a memchr).
#
# CREATE OR REPLACE keeps the function's identity, on which the stored generated column
# initiatives_initiative.plain_text depends; PostgreSQL never recomputes stored values when a
# function changes, and with the same output none needs to be: no rewrite of the table.

from importlib import import_module

from django.db import migrations


# The SQL this migration runs, frozen here as it was when the migration was written.

# Each guard is evaluated on the text as the previous steps left it, and names a string every
# match of the step's pattern contains: where it is absent, the step would change nothing.
# `marks`: whether the text holds any character that a step other than list items needs; where
# it holds none, all those steps are skipped, and the list items step adds none.
MARKDOWN_TEXT_FUNCTION = r"""
CREATE OR REPLACE FUNCTION registre_markdown_text(value text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    t text := replace(value, E'\r', '');
    marks boolean;
BEGIN
    marks := strpos(t, '`') > 0 OR strpos(t, '~') > 0 OR strpos(t, '-') > 0
        OR strpos(t, '*') > 0 OR strpos(t, '_') > 0 OR strpos(t, '=') > 0
        OR strpos(t, '|') > 0 OR strpos(t, '[') > 0 OR strpos(t, '>') > 0
        OR strpos(t, '#') > 0 OR strpos(t, '<') > 0 OR strpos(t, '&') > 0
        OR strpos(t, '\') > 0;
    IF marks THEN
        -- Whole lines that render as nothing: code fences, rules, setext underlines, table
        -- separator rows, link reference definitions.
        IF strpos(t, '```') > 0 OR strpos(t, '~~~') > 0 THEN
            t := regexp_replace(t, '^[ \t]*(```|~~~).*$', '', 'gn');
        END IF;
        IF strpos(t, '-') > 0 OR strpos(t, '*') > 0 OR strpos(t, '_') > 0 THEN
            t := regexp_replace(t, '^[ \t]{0,3}([-*_][ \t]*){3,}$', '', 'gn');
        END IF;
        IF strpos(t, '=') > 0 THEN
            t := regexp_replace(t, '^[ \t]{0,3}=+[ \t]*$', '', 'gn');
        END IF;
        IF strpos(t, '|') > 0 AND strpos(t, '-') > 0 THEN
            t := regexp_replace(t, '^[ \t]*\|?([ \t]*:?-+:?[ \t]*\|)+([ \t]*:?-+:?[ \t]*)?$', '', 'gn');
        END IF;
        IF strpos(t, ']:') > 0 THEN
            t := regexp_replace(t, '^[ \t]{0,3}\[[^]^\n]+\]:[ \t]*\S+.*$', '', 'gn');
        END IF;
        -- Marks at the start of a line: footnote labels, quotes, list items, then headings
        -- (whose text may start like a list item: "### 1. Objectifs").
        IF strpos(t, '[^') > 0 AND strpos(t, ']:') > 0 THEN
            t := regexp_replace(t, '^[ \t]{0,3}\[\^[^]\n]+\]:[ \t]*', '', 'gn');
        END IF;
        IF strpos(t, '>') > 0 THEN
            t := regexp_replace(t, '^([ \t]{0,3}>[ \t]?)+', '', 'gn');
        END IF;
    END IF;
    -- A number opening a line ("1. ") needs none of the marks: guarded by the pattern itself
    -- (a test without the positions of its groups: the regex engine's fast path).
    IF regexp_like(t, '^[ \t]*([-*+]|[0-9]+[.)])[ \t]+', 'n') THEN
        t := regexp_replace(t, '^[ \t]*([-*+]|[0-9]+[.)])[ \t]+', '', 'gn');
    END IF;
    IF marks THEN
        IF strpos(t, '#') > 0 THEN
            t := regexp_replace(t, '^[ \t]{0,3}#{1,6}[ \t]+(.*?)([ \t]+#+)?[ \t]*$', '\1', 'gn');
        END IF;
        -- Links keep their text; images (the page shows none), raw HTML tags and footnote
        -- references go.
        IF strpos(t, '<') > 0 AND strpos(t, ':') > 0 THEN
            t := regexp_replace(t, '<((https?|mailto):[^>\s]+)>', '\1', 'g');
        END IF;
        IF strpos(t, '![') > 0 THEN
            t := regexp_replace(t, '!\[[^]\n]*\](\([^)\n]*\)| ?\[[^]\n]*\])', '', 'g');
        END IF;
        IF strpos(t, '](') > 0 THEN
            t := regexp_replace(t, '\[([^]\n]*)\]\([^)\n]*\)', '\1', 'g');
        END IF;
        IF strpos(t, '[^') > 0 THEN
            t := regexp_replace(t, '\[\^[^]\n]+\]', '', 'g');
        END IF;
        IF strpos(t, '][') > 0 OR strpos(t, '] [') > 0 THEN
            t := regexp_replace(t, '\[([^]\n]*)\] ?\[[^]\n]*\]', '\1', 'g');
        END IF;
        IF strpos(t, '<') > 0 AND strpos(t, '>') > 0 THEN
            t := regexp_replace(t, '</?[A-Za-z][^>\n]*>', '', 'g');
        END IF;
        -- Emphasis, code and table marks; an escaped character stays.
        IF strpos(t, '`') > 0 THEN
            t := regexp_replace(t, '(^|[^\\])`+', '\1', 'g');
        END IF;
        IF strpos(t, '*') > 0 OR strpos(t, '_') > 0 THEN
            t := regexp_replace(t, '(^|[^\w*\\])[*_]{1,3}(?=[^\s*_])', '\1', 'g');
            t := regexp_replace(t, '([^\s*_\\])[*_]{1,3}(?=$|[^\w*])', '\1', 'g');
        END IF;
        IF strpos(t, '|') > 0 THEN
            t := regexp_replace(t, '^[ \t]*\|[ \t]*|[ \t]*\|[ \t]*$', '', 'gn');
            t := regexp_replace(t, '([^\\])[ \t]*\|[ \t]*', '\1 ', 'g');
        END IF;
        IF strpos(t, '\') > 0 THEN
            t := regexp_replace(t, '\\([][\\`*_{}()#+.!>|-])', '\1', 'g');
        END IF;
        -- The character references Markdown lets through, "&amp;" last.
        IF strpos(t, '&') > 0 THEN
            t := replace(replace(replace(t, '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>');
            t := replace(replace(replace(t, '&quot;', '"'), '&#39;', ''''), '&amp;', '&');
        END IF;
    END IF;
    -- A blank before a line's end; right(t, 1) would count the characters of the whole text.
    IF strpos(t || E'\n', E' \n') > 0 OR strpos(t || E'\n', E'\t\n') > 0 THEN
        t := regexp_replace(t, '[ \t]+$', '', 'gn');
    END IF;
    IF strpos(t, E'\n\n\n') > 0 THEN
        t := regexp_replace(t, '\n{3,}', E'\n\n', 'g');
    END IF;
    RETURN btrim(t, E' \t\n');
END;
$$;
"""

# The function as migration 0018 wrote it: that migration's module is frozen as well.
PREVIOUS = import_module("initiatives.migrations.0018_plain_text_for_search_excerpts")


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0022_title_lexeme_indexes"),
    ]

    operations = [
        migrations.RunSQL(MARKDOWN_TEXT_FUNCTION, PREVIOUS.MARKDOWN_TEXT_FUNCTION),
    ]
