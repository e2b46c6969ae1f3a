"""Staff search that forgives accents and case: one mixin for every ModelAdmin of the registry,
and the ranking the autocomplete puts first (exact, then prefix matches).

Each search field is matched where an index can answer:
- the field a model's `sort_key` is made from (its name or title) by a substring match on that
  column, already unaccented and lower-case, with its trigram index;
- a field the model's `search_vector` covers (summary, body, description…) by a word-prefix
  full-text query in the registry's configuration (unaccented, French stems), with its GIN index;
- any other field by a substring match on `registre_sort_key(field)`, for small fields and tables.
A field across a relation (`involvements__organisation__name`) is matched the same way on the
related table, and the record found through an `IN (…)`: never a join that repeats rows.
"""

import re
import unicodedata
from functools import reduce
from operator import or_

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, F, Q, Value, When
from django.db.models.expressions import Expression
from django.db.models.lookups import Contains, Exact, StartsWith
from django.utils.text import smart_split, unescape_string_literal

from initiatives.models import SEARCH_CONFIG, SortKey

WORD = re.compile(r"\w+")
DIGIT_GROUPS = re.compile(r"\s*\d+(\s+\d+)+\s*")


def search_terms(search_term):
    """The terms of a search, as the admin splits them ("quoted phrases" stay whole); a number
    typed in groups ("732 829 320") is one term."""
    if DIGIT_GROUPS.fullmatch(search_term or ""):
        return [re.sub(r"\s", "", search_term)]
    terms = []
    for bit in smart_split(search_term or ""):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1] and len(bit) > 1:
            bit = unescape_string_literal(bit)
        if bit.strip():
            terms.append(bit.strip())
    return terms


def normalised(term):
    """The term as the database compares it: unaccented, lower-case (in SQL, so that accents
    are removed by the very dictionary that built the stored keys)."""
    return SortKey(Value(term))


def _field_names(expression):
    if isinstance(expression, F):
        return {expression.name}
    names = set()
    if isinstance(expression, Expression):
        for source in expression.get_source_expressions():
            names |= _field_names(source)
    return names


def _vectors(expression):
    if isinstance(expression, SearchVector):
        yield expression
    elif isinstance(expression, Expression):
        for source in expression.get_source_expressions():
            yield from _vectors(source)


def _generated(model, name):
    try:
        return getattr(model._meta.get_field(name), "expression", None)
    except FieldDoesNotExist:
        return None


def sort_key_source(model):
    """The field a model's `sort_key` is generated from, or None."""
    names = _field_names(_generated(model, "sort_key"))
    return next(iter(names)) if len(names) == 1 else None


def vector_weights(model):
    """{field: its weight in the model's `search_vector`}, e.g. {"summary": "B"}."""
    weights = {}
    for vector in _vectors(_generated(model, "search_vector")):
        for name in _field_names(vector):
            weights[name] = vector.weight.value
    return weights


def prefix_query(term, weights):
    """`word:*AB & word:*AB`: every word of the term as the start of a word of the fields of
    those weights, stemmed and unaccented by the registry's configuration (stop words drop
    out; a term of stop words alone matches nothing here)."""
    words = WORD.findall(term)
    if not words:
        return None
    letters = "".join(sorted(weights))
    raw = " & ".join(f"{word}:*{letters}" for word in words)
    return SearchQuery(raw, config=SEARCH_CONFIG, search_type="raw")


def plain(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def choice_condition(field, term):
    """The choices whose French label contains the term ("region" → Région)."""
    wanted = plain(term)
    values = [value for value, label in field.flatchoices if wanted in plain(str(label))]
    return Q(**{f"{field.name}__in": values})


def local_conditions(model, names, term):
    """The term in one of the fields `names` ([(mode, field name)]) of `model` itself."""
    key = sort_key_source(model)
    weights = vector_weights(model)
    conditions, in_vector = [], set()
    for mode, name in names:
        field = model._meta.get_field(name)
        lookup = StartsWith if mode == "startswith" else Contains
        if mode == "exact":
            # Codes and identifiers: typed as stored, found through their own index.
            variants = sorted({term, term.upper(), term.lower()})
            conditions.append(Q(**{f"{name}__in": variants}))
        elif field.choices:
            conditions.append(choice_condition(field, term))
        elif name == key:
            conditions.append(Q(lookup(F("sort_key"), normalised(term))))
        elif name in weights and mode == "contains":
            in_vector.add(weights[name])
        else:
            conditions.append(Q(lookup(SortKey(F(name)), normalised(term))))
    if in_vector:
        query = prefix_query(term, in_vector)
        if query is not None:
            conditions.append(Q(search_vector=query))
    return reduce(or_, conditions) if conditions else Q(pk__in=[])


def split_path(model, path):
    """(relation path, final model, final field name) of a search field's path."""
    parts = path.split("__")
    opts = model._meta
    for part in parts[:-1]:
        field = opts.get_field(part)
        opts = field.path_infos[-1].to_opts
    return "__".join(parts[:-1]), opts.model, parts[-1]


def ids_through(model, relation, found):
    """The ids of `model` whose `relation` leads to the rows `found`, read from the table that
    holds the link (the involvements, the many-to-many table) without joining `model`."""
    first, _, rest = relation.partition("__")
    field = model._meta.get_field(first)
    if field.one_to_many:
        lookup = f"{rest}__in" if rest else "pk__in"
        links = field.related_model._base_manager.filter(**{lookup: found})
        return links.order_by().values(field.field.attname)
    if field.many_to_many and not field.auto_created:
        target = field.m2m_reverse_field_name()
        lookup = f"{target}__{rest}__in" if rest else f"{target}__in"
        links = field.remote_field.through._base_manager.filter(**{lookup: found})
        return links.order_by().values(f"{field.m2m_field_name()}_id")
    return model._base_manager.filter(**{f"{relation}__in": found}).order_by().values("pk")


def term_condition(model, search_fields, term):
    """The term in at least one of the fields.

    The record's own fields are ORed in one scan (each with its index: a bitmap OR); the ids
    reached through each relation are a UNION beside it, so that no OR mixes an indexed column
    with a subquery (PostgreSQL would read the whole table for it).
    """
    fields = {}  # relation → (target model, [(mode, name)])
    for search_field in search_fields:
        mode = "contains"
        if search_field[:1] in "^=@":
            mode = {"^": "startswith", "=": "exact", "@": "contains"}[search_field[0]]
            search_field = search_field[1:]
        relation, target, name = split_path(model, search_field)
        fields.setdefault(relation, (target, []))[1].append((mode, name))
    own = fields.pop("", None)
    own = local_conditions(model, own[1], term) if own else None
    if not fields:
        return own
    parts = [model._base_manager.filter(own).order_by().values("pk")] if own else []
    for relation, (target, names) in fields.items():
        found = target._base_manager.filter(local_conditions(target, names, term))
        parts.append(ids_through(model, relation, found.order_by().values("pk")))
    return Q(pk__in=parts[0].union(*parts[1:]))


def search_condition(model, search_fields, search_term):
    """Every term found in at least one of the fields (the admin's rule, without accents)."""
    conditions = [term_condition(model, search_fields, term) for term in search_terms(search_term)]
    return reduce(lambda a, b: a & b, conditions) if conditions else Q()


def closeness(model, search_term):
    """0 for an exact match of the name (or acronym, or code), 1 for a prefix, 2 otherwise."""
    key = sort_key_source(model)
    term = " ".join(search_terms(search_term)) or search_term
    if not key or not term:
        return Value(2)
    names = [F("sort_key")]
    for extra in ("acronym", "code"):
        if any(field.name == extra for field in model._meta.concrete_fields):
            names.append(SortKey(F(extra)))
    exact = reduce(or_, (Q(Exact(name, normalised(term))) for name in names))
    prefix = reduce(or_, (Q(StartsWith(name, normalised(term))) for name in names))
    return Case(When(exact, then=Value(0)), When(prefix, then=Value(1)), default=Value(2))


class ForgivingSearchMixin:
    """Admin search insensitive to accents and case ("economie" finds "Économie")."""

    def get_search_results(self, request, queryset, search_term):
        search_fields = self.get_search_fields(request)
        if not search_fields or not search_terms(search_term):
            return queryset, False
        return queryset.filter(search_condition(queryset.model, search_fields, search_term)), False
