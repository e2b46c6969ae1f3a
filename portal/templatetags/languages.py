"""The language of a piece of content on a page in another language (RGAA 8.7).

Interface texts follow the page; content (titles, summaries, bodies) is French until it is
translated, and a French passage on an English page says so: `<h1{% content_lang initiative
"title" %}>` writes ` lang="fr"` unless the record has a translation for the page's language
(a `title_en` field holding text, as a translated model has).
"""

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.html import format_html

register = template.Library()


def falls_back(record, field):
    language = translation.get_language() or settings.LANGUAGE_CODE
    if language == settings.LANGUAGE_CODE or record is None:
        return False
    return not getattr(record, f"{field}_{language.replace('-', '_')}", None)


@register.simple_tag
def content_lang(record, field):
    if falls_back(record, field):
        return format_html(' lang="{}"', settings.LANGUAGE_CODE)
    return ""


@register.filter
def query_in_language(query):
    """A query string for the open data (exports), asking for the page's language when it is
    not French: `lang=en` is what they understand, having no /en/ address."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    if language == settings.LANGUAGE_CODE:
        return query.urlencode()
    query = query.copy()
    query["lang"] = language
    return query.urlencode()
