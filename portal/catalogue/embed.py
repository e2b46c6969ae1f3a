"""Any filtered list of initiatives, shown on a partner's site: the "Intégrer" page that builds
the snippet, and the embed itself (the list without the site's chrome).

The embed, and only it, may be framed by any site (`EMBED_FRAME_ANCESTORS`); every other page
keeps `frame-ancestors 'none'` and X-Frame-Options DENY. It never reads the session nor renders
a CSRF token, so it sets no cookie, does not vary on Cookie, and the page cache keeps it like
any public page.
"""

from functools import wraps
from urllib.parse import urlencode

from csp.constants import SELF
from django.conf import settings
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_exempt

from initiatives.typography import french_text
from portal.cache import remembered
from portal.catalogue.filters import InitiativeFilter

NNBSP = "\u202f"  # before ; : ! ? in French
PAGE_SIZE = 20
THEMES = {
    "registre": _("Registre (couleurs du site)"),
    "neutre": _("Neutre (noir et blanc)"),
}
DEFAULT_THEME = "registre"
FRAME_HEIGHT = 640  # pixels; the resizing script replaces it with the list's own height
SCRIPT = "js/embed.js"  # served by us, at a stable (unhashed) address for partners' pages


def frameable(view):
    """The response may be framed by the sites `EMBED_FRAME_ANCESTORS` lists (any site by
    default), and loaded by them (Cross-Origin-Resource-Policy)."""

    @xframe_options_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        # Read by django-csp's middleware on every answer, cached ones too (kept in the
        # pickled response).
        response._csp_replace = {"frame-ancestors": list(settings.EMBED_FRAME_ANCESTORS)}
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    return wrapper


def _unknown(query, allowed):
    return sorted(name for name in query if name not in allowed)


def _filters_only(query, filterset):
    """The query string of the filters alone (no page, no theme), repeated values kept."""
    kept = QueryDict(mutable=True)
    for name in filterset.filters:
        values = [value for value in query.getlist(name) if value != ""]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def describe(filterset):
    """The chosen filters in words: [("Thématique", "Économie circulaire"), …]."""
    described = []
    for name, value in filterset.form.cleaned_data.items():
        if name == "tri" or value in (None, "", [], ()):
            continue
        field = filterset.form.fields[name]
        choices = dict(getattr(field, "choices", ()) or ())
        values = value if isinstance(value, list | tuple) else [value]
        words = gettext(" ou ").join(str(choices.get(item, item)) for item in values)
        described.append((field.label, words))
    return described


def _parse(request, extra):
    """(filterset, error message or None): unknown parameters are refused, never ignored."""
    filterset = InitiativeFilter(request.GET, request=request)
    unknown = _unknown(request.GET, set(filterset.filters) | set(extra))
    if unknown:
        names = ", ".join(f"« {name[:40]} »" for name in unknown[:5])
        return filterset, gettext("Paramètre inconnu : %(names)s.") % {"names": names}
    theme = request.GET.get("theme", DEFAULT_THEME)
    if "theme" in extra and theme not in THEMES:
        return filterset, gettext("Apparence inconnue : « registre » ou « neutre » attendue.")
    if not filterset.is_valid():
        errors = [
            f"{filterset.form.fields[name].label if name in filterset.form.fields else ''}{NNBSP}: "
            f"{error}".lstrip(f" {NNBSP}:")
            for name, field_errors in filterset.form.errors.items()
            for error in field_errors
        ]
        return filterset, " ".join(errors)
    return filterset, None


def _urls(request, filters_query, theme):
    """Absolute addresses of the full list, of the embed and of the resizing script."""
    query = f"?{filters_query}" if filters_query else ""
    embed_query = urlencode({"theme": theme}) if theme != DEFAULT_THEME else ""
    embed_query = "&".join(part for part in (filters_query, embed_query) if part)
    return {
        "list": request.build_absolute_uri(reverse("initiative_index") + query),
        "embed": request.build_absolute_uri(
            reverse("initiative_embed") + (f"?{embed_query}" if embed_query else "")
        ),
        "script": request.build_absolute_uri(settings.STATIC_URL + SCRIPT),
        "builder": request.build_absolute_uri(reverse("initiative_embed_builder") + query),
    }


def snippets(urls, title, initiatives, request):
    """The code a partner pastes: the frame (alone, JS-free), the frame with our resizing
    script, and a plain list of links; and the frame itself for the preview."""
    frame = format_html(
        '<iframe src="{}" title="{} · Registre des initiatives" width="100%" height="{}" '
        'loading="lazy" data-registre-embed></iframe>',
        urls["embed"],
        title,
        FRAME_HEIGHT,
    )
    items = format_html_join(
        "\n",
        '  <li><a href="{}">{}</a></li>',
        (
            (request.build_absolute_uri(i.get_absolute_url()), french_text(i.title))
            for i in initiatives
        ),
    )
    links = format_html(
        '<section>\n<h2><a href="{}">{}</a></h2>\n<ul>\n{}\n</ul>\n'
        '<p><a href="{}">Toute la liste sur le Registre des initiatives</a></p>\n</section>',
        urls["list"],
        title,
        items,
        urls["list"],
    )
    return {
        "frame": frame,
        "script": format_html('{}\n<script src="{}" async></script>', frame, urls["script"]),
        "links": links,
        "preview": frame,
    }


def _results(request, filterset, number):
    # Counted once per list (whatever its page or theme) and per version of the counts.
    key = _filters_only(request.GET, filterset)
    count = remembered("embed-count", key, filterset.qs.count, request=request)
    return filterset.page_of_results(number, PAGE_SIZE, count)


def _title(described):
    if not described:
        return gettext("Initiatives")
    filters = ", ".join(words for label, words in described)
    return gettext("Initiatives : %(filters)s") % {"filters": filters}


@frameable
def initiative_embed(request):
    """The filtered list for a partner's page: no header, footer nor navigation; links open
    in the whole window (target=_top), because our other pages refuse to be framed."""
    filterset, error = _parse(request, extra={"page", "theme"})
    theme = request.GET.get("theme", DEFAULT_THEME)
    theme = theme if theme in THEMES else DEFAULT_THEME
    filters_query = _filters_only(request.GET, filterset)
    context = {"theme": theme, "error": error, "urls": _urls(request, filters_query, theme)}
    if error:
        context["title"] = gettext("Liste introuvable")
        return render(request, "portal/initiative_embed.html", context, status=400)
    described = describe(filterset)
    context.update(
        title=_title(described),
        described=described,
        page=_results(request, filterset, request.GET.get("page")),
    )
    return render(request, "portal/initiative_embed.html", context)


def initiative_embed_builder(request):
    """The "Intégrer" page: a preview of the embed for the index's current filters and the
    code to paste (an iframe, the optional resizing script, a plain list of links)."""
    # The index's own parameters, its page number too (ignored: the code starts at page 1).
    filterset, error = _parse(request, extra={"theme", "page"})
    theme = request.GET.get("theme", DEFAULT_THEME)
    theme = theme if theme in THEMES else DEFAULT_THEME
    filters_query = _filters_only(request.GET, filterset)
    context = {
        "error": error,
        "theme": theme,
        "themes": THEMES,
        "urls": _urls(request, filters_query, theme),
        "height": FRAME_HEIGHT,
        "filters": [
            (name, value)
            for name in filterset.filters
            for value in request.GET.getlist(name)
            if value != ""
        ],
    }
    if error:
        return render(request, "portal/initiative_embed_builder.html", context, status=400)
    described = describe(filterset)
    page = _results(request, filterset, 1)
    title = _title(described)
    context.update(
        described=described,
        title=title,
        page=page,
        snippets=snippets(context["urls"], title, page.object_list, request),
    )
    response = render(request, "portal/initiative_embed_builder.html", context)
    response._csp_update = {"frame-src": [SELF]}  # the preview frames our own embed
    return response
