"""Content in English beside the French: which fields, what a page shows, which translations are
older than their French source, and the English search.

The French text stays in its own columns (what every query, trigger and loader already reads);
the English lives in the model's `i18n` jsonb column (django-modeltrans: `title_en` to edit it,
`title_i18n` for the active language, falling back to the French when the English is empty).

`translated_from` holds, for each field with an English text, the md5 of the French text that
English was written from. A trigger (migration 0016) sets it whenever the English changes,
whatever wrote it (admin, import, proposal, QuerySet.update, raw SQL); a French text changed
since then no longer matches, and the translation is shown as older than its source.
`confirm_translations()` dates every English text of the records then saved from today's French.
"""

import hashlib

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections, models
from django.db.models import F, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation

from initiatives.models.fields import stored_search_vector

ENGLISH = "en"
SEARCH_CONFIGS = {"fr": "registre_fr", "en": "registre_en"}
SEARCH_VECTORS = {"fr": "search_vector", "en": "search_vector_en"}


def translated_fields(model):
    """The names of the model's translated fields ("title", "summary"…), or ()."""
    field = next((f for f in model._meta.get_fields() if f.name == "i18n"), None)
    return tuple(field.fields) if field is not None else ()


def translated_from_field():
    return models.JSONField(
        "traduit depuis",
        null=True,  # set by the database on every write (migration 0016): never NULL once saved
        blank=True,
        editable=False,
        help_text="Empreinte du texte français dont chaque traduction anglaise a été faite.",
    )


def english_text(field):
    """The English of `field`, or its French when the English is empty (a SQL expression)."""
    return Coalesce(
        NullIf(KeyTextTransform(f"{field}_en", "i18n"), Value("")),
        F(field),
        output_field=models.TextField(),
    )


def english_search_vector_field(translated, **weighted_fields):
    """Like search_vector_field, in English: the English text where there is one, else the
    French (a record not yet translated stays findable on English pages)."""
    return stored_search_vector(
        SearchVector(
            *(english_text(name) if name in translated else F(name) for name in fields),
            config=SEARCH_CONFIGS[ENGLISH],
            weight=weight,
        )
        for weight, fields in sorted(weighted_fields.items())
    )


def search_language(language=None):
    """The language a search runs in: the one asked, else the active one; French unless it is
    English (the only other language content is written in)."""
    language = language or translation.get_language() or "fr"
    return ENGLISH if language.split("-")[0] == ENGLISH else "fr"


def search_config(language=None):
    """The text-search configuration for the language ("registre_en" for English)."""
    return SEARCH_CONFIGS[search_language(language)]


def search_vector_name(language=None, prefix=""):
    """The initiative's search vector for the language: `search_vector_en` in English."""
    return prefix + SEARCH_VECTORS[search_language(language)]


def english_search_query(text):
    return SearchQuery(text, config=SEARCH_CONFIGS[ENGLISH], search_type="websearch")


def fingerprint(text):
    """The md5 of a French text, as PostgreSQL's md5() computes it in the trigger."""
    return hashlib.md5((text or "").encode()).hexdigest()


def english_of(obj, field):
    return (getattr(obj, "i18n", None) or {}).get(f"{field}_en") or ""


def is_translated(obj, field, language=None):
    """Whether the page shows `field` in the active language (always in French); False when
    it falls back to the French text, which then needs lang="fr" around it (RGAA 8.7)."""
    language = language or translation.get_language() or "fr"
    if language.split("-")[0] != ENGLISH:
        return True
    return bool(english_of(obj, field))


def stale_translations(obj):
    """The fields whose English was written from another French text than today's."""
    sources = getattr(obj, "translated_from", None) or {}
    return [
        field
        for field in translated_fields(type(obj))
        if english_of(obj, field) and sources.get(field) != fingerprint(getattr(obj, field))
    ]


def confirm_translations(using="default"):
    """Within a transaction: the English texts the rows written next keep are confirmed as
    saying what today's French says (the trigger dates them all from it)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT set_config('registre.confirm_translations', 'on', true)")


def load_translations(path, language=ENGLISH):
    """Apply a keyed translation file (fixtures/translations/en.json): {"app.model": {slug or
    id: {French field name: text}}}. Each record's `i18n` is replaced by the file's texts;
    records the file names but the database lacks are returned, not created."""
    import json

    from django.apps import apps

    with open(path, encoding="utf-8") as source:
        content = json.load(source)
    missing = []
    for label, records in content.items():
        if "." not in label:
            continue  # "about" and other notes
        model = apps.get_model(label)
        translated = translated_fields(model)
        key = "slug" if any(field.name == "slug" for field in model._meta.fields) else "pk"
        for name, texts in records.items():
            i18n = {
                f"{field}_{language}": text
                for field, text in texts.items()
                if field in translated and text
            }
            if not model.objects.filter(**{key: name}).update(i18n=i18n):
                missing.append(f"{label} {name}")
    return missing
