"""Site-wide search: PostgreSQL full-text search in French, without accents, with trigram
matching as a fallback for a mistyped word."""

import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchRank, TrigramWordSimilarity
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import mark_safe

from actors.models import Organisation, Person
from initiatives.models import SEARCH_CONFIG, Document, Event, Initiative
from portal.filters import clean_text, search_query

RESULTS_PER_SECTION = 10
TYPO_MAX_LENGTH = 40  # typo tolerance for short queries: a word or two
TYPO_SIMILARITY = 0.45  # "econmie" is 0.55 from "economie"; unrelated words stay below 0.3
# ts_headline marks matches with these control characters; the snippet is escaped, then they
# become <mark>: the stored text never reaches the page unescaped.
START, STOP = "\x02", "\x03"


@dataclass
class Section:
    key: str
    title: str
    hits: list
    total: int


def _sections():
    """(key, title, queryset, fields of the snippet, order) for each kind of record."""
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
    return mark_safe(escape(snippet or "").replace(START, "<mark>").replace(STOP, "</mark>"))


def search(text):
    """Sections of ranked hits, each with a highlighted snippet, and their totals."""
    text = clean_text(text)
    if not text:
        return []
    query = search_query(text)
    sections = []
    for key, title, queryset, fields in _sections():
        matches = queryset.filter(search_vector=query)
        hits = list(
            matches.annotate(
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
            ).order_by("-rank", "sort_key")[:RESULTS_PER_SECTION]
        )
        for hit in hits:
            hit.snippet_html = highlighted(hit.snippet)
        total = len(hits) if len(hits) < RESULTS_PER_SECTION else matches.count()
        if hits:
            sections.append(Section(key, title, hits, total))
    return sections


def normalised(text):
    """As the database's registre_sort_key(): no accents, lower case."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def approximate(text):
    """Titles close to a short, probably mistyped query ("econmie" → "Économie…")."""
    text = clean_text(text)
    if not text or len(text) > TYPO_MAX_LENGTH:
        return []
    key = normalised(text)
    hits = []
    for queryset in (Initiative.objects.published(), Organisation.objects.published()):
        hits += list(
            queryset.annotate(similarity=TrigramWordSimilarity(Value(key), "sort_key"))
            .filter(similarity__gte=TYPO_SIMILARITY)
            .order_by("-similarity", "sort_key")[:RESULTS_PER_SECTION]
        )
    return sorted(hits, key=lambda hit: -hit.similarity)[:RESULTS_PER_SECTION]
