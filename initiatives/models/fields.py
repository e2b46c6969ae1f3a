"""Database expressions and field builders shared by the registry's models: the French sort
key, the search vectors and their indexes, period checks, lineage."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Least, Length, Substr
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.deconstruct import deconstructible


# Migrations name it by this path, where it was defined before models became a package.
@deconstructible(path="initiatives.models.SortKey")
class SortKey(Func):
    """Accent- and case-insensitive sort key ("Économie" between "Eau" and "Emploi").

    The embedded PostgreSQL has no ICU collation, so French order comes from this immutable
    SQL function (unaccent + lower), created by the first migration.
    """

    function = "registre_sort_key"
    output_field = models.CharField()


def sort_key_field(source):
    return models.GeneratedField(
        expression=SortKey(F(source)), output_field=models.CharField(), db_persist=True
    )


SEARCH_CONFIG = "registre_fr"


def search_vector_field(**weighted_fields):
    """A stored tsvector of the fields, weighted A (title) > B (summary) > C (body)."""
    vectors = [
        SearchVector(*fields, config=SEARCH_CONFIG, weight=weight)
        for weight, fields in sorted(weighted_fields.items())
    ]
    expression = vectors[0]
    for vector in vectors[1:]:
        expression = expression + vector
    return models.GeneratedField(
        expression=expression, output_field=SearchVectorField(), db_persist=True
    )


def search_indexes(model_name):
    return [
        GinIndex(fields=["search_vector"], name=f"{model_name}_search"),
        GinIndex(OpClass(F("sort_key"), name="gin_trgm_ops"), name=f"{model_name}_trigram"),
    ]


def label_with(name, kind, *context):
    """A staff suggestion: "Pas-de-Calais — département, Hauts-de-France"."""
    details = [
        kind[:1].lower() + kind[1:] if kind else "",
        *(str(part) for part in context if part),
    ]
    details = ", ".join(part for part in details if part)
    return f"{name} — {details}" if details else str(name)


def not_before(end, start):
    """end >= start, comparing partial dates at the coarser of their two precisions.

    "2016" is not before "2016-05": the year 2016 contains May 2016.
    """
    width = Least(Length(start), Length(end))
    return (
        Q(**{f"{end}__isnull": True})
        | Q(**{f"{start}__isnull": True})
        | Q(GreaterThanOrEqual(Substr(end, 1, width), Substr(start, 1, width)))
    )


class InLineage(Func):
    """`pk = ANY(lineage)`: the row is the node with that lineage or one of its ancestors.

    Written this way round, PostgreSQL probes the primary key once per ancestor; the other way
    (`lineage @> ARRAY[pk]`) compares every row with every candidate and cannot use an index.
    """

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = models.BooleanField()
