"""Database expressions and field builders shared by the registry's models: the French sort
key, the search vectors and their indexes, period checks, lineage."""

import operator
from functools import reduce

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.db.models import F, Func, Q
from django.db.models.functions import Least, Length, Substr
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.deconstruct import deconstructible
from django.utils.encoding import force_str


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
    return stored_search_vector(
        SearchVector(*fields, config=SEARCH_CONFIG, weight=weight)
        for weight, fields in sorted(weighted_fields.items())
    )


def stored_search_vector(vectors):
    """A stored column of the weighted vectors joined, recomputed by PostgreSQL on every write."""
    return models.GeneratedField(
        expression=reduce(operator.add, vectors),
        output_field=SearchVectorField(),
        db_persist=True,
    )


# Migrations name them by these paths, as they do SortKey.
@deconstructible(path="initiatives.models.MarkdownText")
class MarkdownText(Func):
    """The text a Markdown field shows, without its syntax ("### Titre" → "Titre"): an
    immutable SQL function (initiatives migration 0018; 0023 skips the steps that cannot
    match), so that a stored column can hold it."""

    function = "registre_markdown_text"
    output_field = models.TextField()


@deconstructible(path="initiatives.models.Paragraphs")
class Paragraphs(Func):
    """The non-empty texts, separated by a blank line."""

    function = "registre_paragraphs"
    output_field = models.TextField()


def plain_text_field(plain, markdown):
    """A stored column of the text the page shows, for the search excerpts: excerpts cut by
    ts_headline from the Markdown would show its syntax, and rendering each hit's Markdown on
    every search would cost what PostgreSQL does once a write."""
    parts = [F(name) for name in plain] + [MarkdownText(F(name)) for name in markdown]
    return models.GeneratedField(
        expression=Paragraphs(*parts), output_field=models.TextField(), db_persist=True
    )


def derived_for_search(model, prefix=""):
    """The stored columns PostgreSQL derives for the search (vectors, plain text), under
    `prefix` ("parent__"): kilobytes a row that no page shows, deferred where records are read
    for display. The sort key is not one of them: results are ordered and merged by it."""
    return [
        f"{prefix}{field.name}"
        for field in model._meta.concrete_fields
        if isinstance(field, models.GeneratedField) and field.name != "sort_key"
    ]


@deconstructible(path="initiatives.models.TitleLexemes")
class TitleLexemes(Func):
    """The lexemes of a search vector weighted A, the most: a record's title (and an
    initiative's acronym). Indexed, so that the matches by their title are found at once
    among hundreds of thousands of matches of a common word (portal.catalogue.search)."""

    function = "ts_filter"
    template = "%(function)s(%(expressions)s, '{a}'::\"char\"[])"
    output_field = SearchVectorField()


def search_indexes(model_name, vector="search_vector"):
    return [
        GinIndex(fields=[vector], name=f"{model_name}_search"),
        GinIndex(OpClass(F("sort_key"), name="gin_trgm_ops"), name=f"{model_name}_trigram"),
        GinIndex(TitleLexemes(F(vector)), name=f"{model_name}_titles"),
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


# Constraint name -> the field its violation is shown on. Names are unique in the database;
# kept apart from the constraint because Django clones constraints through deconstruct().
ERROR_FIELDS = {}


def on_field(field, constraint):
    """`constraint`, whose violation the forms show next to `field` (see FieldConstraintErrors).

    Not part of the constraint's deconstruction: migrations never see it.
    """
    ERROR_FIELDS[constraint.name] = field
    return constraint


class FieldConstraintErrors:
    """Constraint violations reported on the field they concern, not at the top of the form.

    Django puts a check constraint's error in NON_FIELD_ERRORS; a person looks for it next to
    the field to correct. A field the form does not show keeps it at the top.
    """

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(type(self), instance=self)
        errors = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    field = ERROR_FIELDS.get(constraint.name)
                    if field is None or (exclude and field in exclude):
                        field = NON_FIELD_ERRORS
                    errors.setdefault(field, []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)


_CHOICE_LABELS = {}  # field → {value: label, not yet translated}


class ChoiceLabels:
    """`get_FOO_display()` reading the field's labels from a dict made once per field.

    Django's makes the dict at every call, and hashing each label to make it translates every
    label of the field: a page of twenty initiatives translated 280 labels to show 40.
    """

    def _get_FIELD_display(self, field):
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value: Django's way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
