"""Site-wide search: PostgreSQL full-text search in French, without accents, with corrections
from a vocabulary of the public titles for a mistyped query."""

import re
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection, connections, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Func, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from actors.models import Organisation, Person
from initiatives.models import (
    SEARCH_CONFIG,
    Document,
    Event,
    Initiative,
    TitleLexemes,
    derived_for_search,
)
from initiatives.translations import english_text, search_config, search_language
from initiatives.typography import french_spacing
from portal.cache import reading
from portal.models import WORD, SearchWord, word_key, words_in

RESULTS_PER_SECTION = 10
BLOCK_BREAK = re.compile(r"\s*\n\s*")
CANDIDATES = 1000  # matches ranked at most per section; beyond, the total is "more than" this
TYPO_MAX_LENGTH = 40  # corrections for short queries: a word or two
TYPO_SIMILARITY = 0.45  # "econmie" is 0.55 from "economie"; unrelated words stay below 0.3


def search_query(text, language=None):
    """The query in the language's text-search configuration (the active language's unless
    one is given): English on English pages, to match the initiatives' search_vector_en."""
    return SearchQuery(text, config=search_config(language), search_type="websearch")


def clean_text(text):
    return " ".join((text or "").replace("\x00", "").split())


# ts_headline marks matches with these control characters; the snippet is escaped, then they
# become <mark>: the stored text never reaches the page unescaped.
START, STOP = "\x02", "\x03"


@dataclass
class Section:
    key: str
    title: str
    hits: list
    total: int
    capped: bool = False  # more than `total` matches: they were not all counted


@dataclass
class Kind:
    """A kind of record searched: its section, its public records, the fields of its
    snippet, and its search vector with the text-search configuration it was built with."""

    key: str
    title: str
    queryset: object
    fields: list
    vector: str = "search_vector"
    config: str = SEARCH_CONFIG

    def __iter__(self):  # unpacked as (key, title, queryset, fields)
        return iter((self.key, self.title, self.queryset, self.fields))

    def query(self, text):
        return SearchQuery(text, config=self.config, search_type="websearch")


def _sections(language=None):
    """A Kind for each kind of record. In English, initiatives are searched in their English
    (the French where there is none yet); the other records are written in French only. A
    French initiative's snippet comes from its `plain_text`, the text its page shows, without
    Markdown."""
    initiatives = Kind("initiatives", _("Initiatives"), Initiative.objects.published(), [])
    if search_language(language) == "en":
        initiatives.fields = [english_text("summary"), english_text("body")]
        initiatives.vector = "search_vector_en"
        initiatives.config = search_config("en")
    else:
        initiatives.fields = ["plain_text"]
    kinds = [
        initiatives,
        ("organisations", _("Organisations"), Organisation.objects.published(), ["description"]),
        ("personnes", _("Personnes"), Person.objects.published(), ["biography"]),
        (
            "documents",
            _("Documents"),
            Document.objects.published(),
            ["summary", "bibliographic_note"],
        ),
        (
            "evenements",
            _("Événements"),
            Event.objects.published().select_related("initiative"),
            ["description", "venue"],
        ),
    ]
    return [kinds[0], *(kind if isinstance(kind, Kind) else Kind(*kind) for kind in kinds[1:])]


def _snippet_source(fields):
    fields = [F(field) if isinstance(field, str) else field for field in fields]
    parts = []
    for field in fields:
        parts += [field, Value(" … ")]
    if len(fields) == 1:
        return fields[0]
    return Concat(*parts[:-1], output_field=TextField())


def _matching(vector, query, function=None):
    """`vector @@ query` as a condition, or `function(vector, query)`."""
    if function is None:
        matched = Func(vector, query, template="%(expressions)s", arg_joiner=" @@ ")
    else:
        matched = Func(vector, query, function=function)
    return ExpressionWrapper(matched, output_field=BooleanField())


def highlighted(snippet):
    # The page shows headings and paragraphs apart; run into one line, a heading would read
    # as the start of its paragraph ("Projets Projets financés"): a dot marks each break.
    text = BLOCK_BREAK.sub(" · ", (snippet or "").strip())
    marked = escape(text).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(french_spacing(marked))


def _ranked(candidates, query, vector):
    """The candidates' (pk, rank, sort_key), ranked as they are read: (SQL, params)."""
    rank = SearchRank(F(vector), query)
    return candidates.annotate(rank=rank).values("pk", "rank", "sort_key").query.sql_with_params()


# The best-ranked first, ties settled by title then primary key.
BEST_FIRST = f"ORDER BY rank DESC, sort_key, pk LIMIT {RESULTS_PER_SECTION}"


def _first_ranked(queryset, matches, query, vector):
    """(found, best): how many matches there are, up to CANDIDATES + 1, and the pks of the
    best-ranked RESULTS_PER_SECTION of them. One query: the matches are counted and ranked as
    they are read, where a count and then a ranking read them twice."""
    sql, params = _ranked(matches[: CANDIDATES + 1], query, vector)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            f"SELECT pk, count(*) OVER () FROM ({sql}) AS candidates {BEST_FIRST}", params
        )
        rows = cursor.fetchall()
    return (rows[0][1] if rows else 0), [pk for pk, _ in rows]


def _best(queryset, candidates, query, fields, vector="search_vector", config=SEARCH_CONFIG):
    """The best-ranked hits among the candidates (their pks), with their highlighted snippets.

    The candidates are ranked as they are read, and only the best rows are read again, with
    their snippets: reading a thousand candidates' rows a second time to rank them was a fifth
    of a common word's search at a million initiatives.
    """
    sql, params = _ranked(candidates, query, vector)
    best = RawSQL(f"SELECT pk FROM ({sql}) AS candidates {BEST_FIRST}", params)
    return _hits(queryset, best, query, fields, vector, config)


def _unshown(queryset):
    """The columns derived for the search of the records and of those selected with them."""
    related = queryset.query.select_related
    unshown = derived_for_search(queryset.model)
    for name in related if isinstance(related, dict) else []:
        model = queryset.model._meta.get_field(name).related_model
        unshown += derived_for_search(model, prefix=f"{name}__")
    return unshown


def _hits(queryset, pks, query, fields, vector, config):
    """The records of these pks, best-ranked first, with their highlighted snippets; without
    their search vectors, which the page never shows (two kilobytes each at a million)."""
    if not pks:
        return []
    hits = list(
        queryset.filter(pk__in=pks)
        .defer(*_unshown(queryset))
        .annotate(
            rank=SearchRank(F(vector), query),
            snippet=SearchHeadline(
                _snippet_source(fields),
                query,
                config=config,
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "sort_key", "pk")
    )
    for hit in hits:
        hit.snippet_html = highlighted(hit.snippet)
    return hits


def _any_word(text, config):
    """A query matching any word of the text (its lexemes as the configuration makes them,
    "Territoires" → 'territoir'), or None. A word after a "-" is excluded by the query
    (websearch syntax): no match has it, in its title or not."""
    wanted = " ".join(word for word in text.split() if not word.startswith("-"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(to_tsvector(%s::regconfig, %s))", [config, wanted])
        (lexemes,) = cursor.fetchone()
    # Quoted lexemes of the configuration's own making: 'simple' takes them as they are.
    quoted = [f"'{lexeme}'" for lexeme in lexemes if not set("'\\") & set(lexeme)]
    if not quoted:
        return None
    return SearchQuery(" | ".join(quoted), config="simple", search_type="raw")


def search(text, language=None):
    """Sections of ranked hits, each with a highlighted snippet, and their totals.

    A common word matches a good part of the registry ("territoire": 56 000 initiatives of
    100 000), and ranking or counting every match reads most of the table (450 ms). So each
    section first reads its matches up to CANDIDATES + 1 (a LIMIT: it stops there), counting
    and ranking them in the same query (`_first_ranked`), then:

    - up to CANDIDATES matches: all are ranked, and the total is exact;
    - more: the total shown is "more than CANDIDATES", and the hits are the best ranked
      among the first CANDIDATES matches with a word of the query among the lexemes weighted
      A (the title's, and an initiative's acronym: `TitleLexemes`, indexed), completed if
      need be by the best of the first matches read. A word of the title weighs
      A, the most: for a one-word query every match by its title ranks above every other
      match (0.61 at least against 0.4 at most), so with at most CANDIDATES of them, the hits
      are those a full ranking would give.

    One query for the search's setting (`_without_parallel_workers`), then one for a section
    without match, two for the others (the first matches; the best of them with their
    snippets), three for a common word seldom in titles, plus one per text-search
    configuration (the words of the query) when a section has too many.
    """
    text = clean_text(text)
    if not text:
        return []
    with _without_parallel_workers():
        return _search(text, language)


@contextmanager
def _without_parallel_workers():
    """Each query of a search reads a few thousand rows at most: starting a parallel worker
    (10 to 15 ms at a million initiatives) cost more than the worker saved."""
    connection = reading()
    with transaction.atomic(using=connection.alias, savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def _search(text, language):
    any_word = {}  # by configuration
    sections = []
    for kind in _sections(language):
        key, title, queryset, fields = kind
        query = kind.query(text)
        matches = queryset.filter(**{kind.vector: query}).order_by().values("pk")
        found, first_best = _first_ranked(queryset, matches, query, kind.vector)
        if not found:
            continue
        ranked = {"vector": kind.vector, "config": kind.config}
        if found <= CANDIDATES:
            hits = _hits(queryset, first_best, query, fields, **ranked)
        else:
            if kind.config not in any_word:
                any_word[kind.config] = _any_word(text, kind.config)
            hits = []
            if any_word[kind.config] is not None:
                by_title = _matching(TitleLexemes(F(kind.vector)), any_word[kind.config])
                # The whole query matched row by row (ts_match_vq is the function behind @@)
                # on the rows the titles' index finds: combining it with the full-text index
                # meant building a bitmap of half the registry (0.5 s).
                in_title = (
                    queryset.filter(by_title)
                    .filter(_matching(F(kind.vector), query, function="ts_match_vq"))
                    .order_by()
                    .values("pk")[:CANDIDATES]
                )
                hits = _best(queryset, in_title, query, fields, **ranked)
            if len(hits) < RESULTS_PER_SECTION:
                seen = {hit.pk for hit in hits}
                more = [pk for pk in first_best if pk not in seen]
                hits += _hits(queryset, more, query, fields, **ranked)
                hits.sort(key=lambda hit: (-hit.rank, hit.sort_key, hit.pk))
                hits = hits[:RESULTS_PER_SECTION]
        sections.append(Section(key, title, hits, min(found, CANDIDATES), found > CANDIDATES))
    return sections


def correction(text):
    """The query with its mistyped words replaced by the closest words of the vocabulary, and
    every word written as the registry writes it ("economie circulere" → "économie
    circulaire"), or "" when no word is mistyped. One query: the closest words.

    Not checked against the records: the vocabulary keeps the words of records unpublished
    since it learnt them (SearchWord), so the caller shows the correction only with the
    public results it finds (`search_or_correct`).
    """
    text = clean_text(text)
    if not text or len(text) > TYPO_MAX_LENGTH:
        return ""
    closest = SearchWord.objects.closest({key for key, _ in words_in(text)}, TYPO_SIMILARITY)
    mistyped = False

    def corrected_word(match):
        nonlocal mistyped
        typed = match.group()
        known = closest.get(word_key(typed))
        if known is None:
            return typed
        mistyped = mistyped or known.word != word_key(typed)
        return _cased_as(known.spelling, typed)

    corrected = WORD.sub(corrected_word, text)
    return corrected if mistyped and corrected != text else ""


def _cased_as(spelling, typed):
    """The registry's spelling in the case the word was typed: "ECONOMIE" → "ÉCONOMIE"."""
    if len(typed) > 1 and typed.isupper():
        return spelling.upper()
    if typed[:1].isupper():
        return spelling[:1].upper() + spelling[1:]
    return spelling


def search_or_correct(text, language=None):
    """(sections, correction): the results of the query; when it finds nothing and a word
    looks mistyped, the results of the corrected query and the correction itself ("" when
    the query found something or the correction finds nothing either)."""
    sections = search(text, language)
    if sections or not clean_text(text):
        return sections, ""
    corrected = correction(text)
    sections = search(corrected, language) if corrected else []
    return sections, corrected if sections else ""
