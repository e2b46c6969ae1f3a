"""Site-wide search: PostgreSQL full-text search in French, without accents, with corrections
from a vocabulary of the public titles for a mistyped query."""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import mark_safe

from actors.models import Organisation, Person
from initiatives.models import SEARCH_CONFIG, Document, Event, Initiative
from initiatives.typography import french_spacing
from portal.models import WORD, SearchWord, word_key, words_in

RESULTS_PER_SECTION = 10
CANDIDATES = 1000  # matches ranked at most per section; beyond, the total is "more than" this
TYPO_MAX_LENGTH = 40  # corrections for short queries: a word or two
TYPO_SIMILARITY = 0.45  # "econmie" is 0.55 from "economie"; unrelated words stay below 0.3


def search_query(text):
    return SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")


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


def _sections():
    """(key, title, queryset, fields of the snippet) for each kind of record."""
    return [
        ("initiatives", "Initiatives", Initiative.objects.published(), ["summary", "body"]),
        ("organisations", "Organisations", Organisation.objects.published(), ["description"]),
        ("personnes", "Personnes", Person.objects.published(), ["biography"]),
        ("documents", "Documents", Document.objects.published(), ["summary", "bibliographic_note"]),
        (
            "evenements",
            "Événements",
            Event.objects.published().select_related("initiative"),
            ["description", "venue"],
        ),
    ]


def _snippet_source(fields):
    parts = []
    for field in fields:
        parts += [F(field), Value(" … ")]
    if len(fields) == 1:
        return F(fields[0])
    return Concat(*parts[:-1], output_field=TextField())


def highlighted(snippet):
    marked = escape(snippet or "").replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(french_spacing(marked))


def _best(queryset, candidates, query, fields):
    """The best-ranked hits among the candidates, with their highlighted snippets."""
    hits = list(
        queryset.filter(pk__in=candidates)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            snippet=SearchHeadline(
                _snippet_source(fields),
                query,
                config=SEARCH_CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "sort_key")[:RESULTS_PER_SECTION]
    )
    for hit in hits:
        hit.snippet_html = highlighted(hit.snippet)
    return hits


def _stems(text):
    """The lexemes of the query as the index holds them ("Territoires" → "territoir"), of three
    letters or more so that the trigram index of the titles can look them up. A word after a
    "-" is excluded by the query (websearch syntax): no match has it, in its title or not."""
    wanted = " ".join(word for word in text.split() if not word.startswith("-"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(to_tsvector(%s::regconfig, %s))", [SEARCH_CONFIG, wanted]
        )
        (lexemes,) = cursor.fetchone()
    return [lexeme for lexeme in lexemes if len(lexeme) >= 3]


def search(text):
    """Sections of ranked hits, each with a highlighted snippet, and their totals.

    A common word matches a good part of the registry ("territoire": 56 000 initiatives of
    100 000), and ranking or counting every match reads most of the table (450 ms). So each
    section first counts its matches up to CANDIDATES + 1 (a LIMIT in the count: it stops
    there), then:

    - up to CANDIDATES matches: all are ranked, and the total is exact;
    - more: the total shown is "more than CANDIDATES", and the hits are the best ranked
      among the first CANDIDATES matches whose title (the `sort_key` of each model, which has
      a trigram index) contains a word of the query, completed if need be by the best of the
      first CANDIDATES matches found. A word of the title weighs A, the most: for a one-word
      query every match by its title ranks above every other match (0.61 at least against
      0.4 at most), so with at most CANDIDATES of them, the hits are those a full ranking
      would give (but for a match by its acronym only, also weighted A, and not looked up).

    One query for a section without match, two for the others, three for a common word
    seldom in titles, plus one (the stems of the query) when any section has too many.
    """
    text = clean_text(text)
    if not text:
        return []
    query = search_query(text)
    stems = None
    sections = []
    for key, title, queryset, fields in _sections():
        matches = queryset.filter(search_vector=query).order_by().values("pk")
        found = matches[: CANDIDATES + 1].count()
        if not found:
            continue
        if found <= CANDIDATES:
            hits = _best(queryset, matches, query, fields)
        else:
            stems = _stems(text) if stems is None else stems
            hits = []
            if stems:
                in_title = reduce(or_, (Q(sort_key__contains=stem) for stem in stems))
                hits = _best(queryset, matches.filter(in_title)[:CANDIDATES], query, fields)
            if len(hits) < RESULTS_PER_SECTION:
                more = _best(queryset, matches[:CANDIDATES], query, fields)
                merged = {hit.pk: hit for hit in more + hits}.values()
                hits = sorted(merged, key=lambda hit: (-hit.rank, hit.sort_key))
                hits = hits[:RESULTS_PER_SECTION]
        sections.append(Section(key, title, hits, min(found, CANDIDATES), found > CANDIDATES))
    return sections


def suggestion(text):
    """The query with its mistyped words replaced by the closest words of the vocabulary
    ("econmie circulare" → "économie circulaire"), or "" when there is nothing to correct.

    Offered only when the corrected query finds a public record now: the vocabulary keeps
    the words of records unpublished since it learnt them (SearchWord), and this check keeps
    them out of sight. Usually two queries: the closest words, then an EXISTS through the
    published initiatives (and the other sections' if need be).
    """
    text = clean_text(text)
    if not text or len(text) > TYPO_MAX_LENGTH:
        return ""
    closest = SearchWord.objects.closest({key for key, _ in words_in(text)}, TYPO_SIMILARITY)

    def corrected_word(match):
        key = word_key(match.group())
        known = closest.get(key)
        return known.spelling if known and known.word != key else match.group()

    corrected = WORD.sub(corrected_word, text)
    if corrected == text or not _finds_anything(corrected):
        return ""
    return corrected


def _finds_anything(text):
    """Whether the query finds a public record: one EXISTS a section, the initiatives first,
    which hold most of the words of the vocabulary (so usually a single query)."""
    query = search_query(text)
    return any(queryset.filter(search_vector=query).exists() for _, _, queryset, _ in _sections())
