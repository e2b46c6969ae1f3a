from dataclasses import dataclass

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from initiatives.typography import guillemets
from portal.catalogue.facets import build_facets
from portal.catalogue.filters import SORTS, InitiativeFilter
from portal.catalogue.forms import SearchForm
from portal.catalogue.search import search_or_correct

PAGE_SIZE = 20
FACETS_HEADER = "X-Registre-Facets"


def initiative_index(request):
    filterset = InitiativeFilter(request.GET, request=request)
    valid = filterset.is_valid()
    facets, total = build_facets(filterset)
    context = {
        "filter": filterset,
        "facets": facets,
        "active": active_filters(filterset, facets, request.GET),
        "page": filterset.page_of_results(request.GET.get("page"), PAGE_SIZE, total),
        "sorts": SORTS,
        "sort": filterset.sort,
    }
    response = render(
        request, "portal/initiative_index.html", context, status=200 if valid else 400
    )
    # Where the facet counts came from (in-memory bitmaps or SQL), for operators and the bench.
    response[FACETS_HEADER] = getattr(filterset, "counted_from", "")
    return response


@dataclass
class ActiveFilter:
    facet: str
    label: str
    removal: str  # the same list without this value


def active_filters(filterset, facets, query):
    """Each value in use, with the address of the list without it (and back on page 1)."""
    data = filterset.form.cleaned_data

    def without(name, value=None):
        rest = query.copy()
        rest.pop("page", None)
        if value is None:
            rest.pop(name, None)
        else:
            rest.setlist(name, [item for item in rest.getlist(name) if item != value])
        return f"?{rest.urlencode()}#resultats" if rest else "?#resultats"

    active = []
    if text := filterset.text:
        active.append(ActiveFilter(_("Mots-clés"), guillemets(text), without("q")))
    for facet in facets:
        for option in _flattened(facet.options):
            if option.selected:
                active.append(
                    ActiveFilter(facet.label, option.label, without(facet.name, option.value))
                )
    for name, label in (("de", _("Active depuis")), ("a", _("Active jusqu'en"))):
        if data.get(name) is not None:
            active.append(ActiveFilter(label, str(data[name]), without(name)))
    return active


def _flattened(options):
    for option in options:
        yield option
        yield from _flattened(option.children)


def search_page(request):
    form = SearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    sections, corrected = search_or_correct(text)
    context = {
        "form": form,
        "text": text,
        "sections": sections,
        "total": sum(section.total for section in sections),
        "capped": any(section.capped for section in sections),
        # The query found nothing: the sections are the results of this correction of it.
        "suggestion": corrected,
        "results_for": corrected or text,
    }
    return render(request, "portal/search.html", context, status=200 if form.is_valid() else 400)
