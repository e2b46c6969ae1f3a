"""French first, English second: the language of a request, the other language's address of a
page, and the `lang` parameter of the open data.

The language comes from the address only: French pages are unprefixed, English ones under
/en/ (`i18n_patterns`). Neither the browser's Accept-Language nor a cookie chooses it, so a
cached page varies by its address alone. The feeds, calendars, API and exports also take
`lang=en` (or `lang=fr`) in their query string: it is read here, after the address is
resolved, and taken out of the query the views validate, so that the strict ones still refuse
every other unknown parameter.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.urls import translate_url
from django.utils import translation

LANGUAGE_PARAMETER = "lang"
STAFF_PREFIX = "/admin/"
# Each language named in itself, in its own words: the switcher's link carries its `lang`.
NATIVE_NAMES = {"fr": "Français", "en": "English"}
SWITCH_LABELS = {"fr": "Version française de cette page", "en": "English version of this page"}


def codes():
    return [code for code, _name in settings.LANGUAGES]


def prefix_language(path):
    """The language an address names by its prefix (/en/…), or None for a French address."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in codes() and first != settings.LANGUAGE_CODE else None


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (language from the /en/ prefix, French otherwise), plus the
    `lang` query parameter on unprefixed addresses; staff pages stay French. No `Vary:
    Accept-Language`: the browser's preference never changes the answer."""

    def __call__(self, request):
        response = super().__call__(request)
        language = translation.get_language()
        if response.streaming:  # an export writes its rows after this returns
            response.streaming_content = _speaking(response.streaming_content, language)
        # The next request of this thread, and code outside any request, start in French.
        translation.activate(settings.LANGUAGE_CODE)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(STAFF_PREFIX) or prefix_language(request.path_info):
            return None
        requested = request.GET.get(LANGUAGE_PARAMETER)
        if requested in codes():
            translation.activate(requested)
            request.LANGUAGE_CODE = requested
            query = request.GET.copy()
            query.pop(LANGUAGE_PARAMETER)
            query._mutable = False
            request.GET = query
        return None

    def process_response(self, request, response):
        vary = response.get("Vary")
        response = super().process_response(request, response)
        if vary is None:
            del response["Vary"]
        else:
            response["Vary"] = vary
        return response


def _speaking(chunks, language):
    with translation.override(language):
        yield from chunks


def other_languages(request):
    """[(code, path with its query)] for each language but the current one, when the page has an
    address in it (the staff pages and the open data have none: the same address)."""
    current = translation.get_language()
    full_path = request.get_full_path()
    found = []
    for code in codes():
        if code == current:
            continue
        with translation.override(current):
            url = translate_url(full_path, code)
        if url != full_path:
            found.append((code, url))
    return found


def language_context(request):
    """The language switcher and the hreflang alternates of every page."""
    current = translation.get_language()
    language = prefix_language(request.path_info)
    # The address without its /en prefix: what the navigation compares with its sections.
    page_path = request.path_info[len(language) + 1 :] if language else request.path_info
    switches = other_languages(request)
    if not switches:
        return {"language_switches": [], "language_alternates": [], "page_path": page_path}
    alternates = [(current, request.path)] + [
        (code, url.split("?", 1)[0]) for code, url in switches
    ]
    alternates.sort(key=lambda item: codes().index(item[0]))
    return {
        "page_path": page_path,
        "language_switches": [
            {
                "code": code,
                "url": url,
                "name": NATIVE_NAMES.get(code, code),
                "label": SWITCH_LABELS.get(code, ""),
            }
            for code, url in switches
        ],
        "language_alternates": [
            {"code": code, "url": request.build_absolute_uri(path)} for code, path in alternates
        ]
        + [
            {
                "code": "x-default",
                "url": request.build_absolute_uri(dict(alternates)[settings.LANGUAGE_CODE]),
            }
        ],
    }
