from django.shortcuts import render

from portal.catalogue.facets import build_facets
from portal.catalogue.filters import SORTS, InitiativeFilter
from portal.catalogue.forms import SearchForm
from portal.catalogue.search import search, suggestion

PAGE_SIZE = 20


def initiative_index(request):
    filterset = InitiativeFilter(request.GET, request=request)
    valid = filterset.is_valid()
    facets, total = build_facets(filterset)
    context = {
        "filter": filterset,
        "facets": facets,
        "page": filterset.page_of_results(request.GET.get("page"), PAGE_SIZE, total),
        "sorts": SORTS,
        "sort": filterset.sort,
    }
    # Only the browser (form and results) when the script asks for it, to update in place.
    template = (
        "includes/initiative_browser.html"
        if request.headers.get("X-Requested-With") == "fetch"
        else "portal/initiative_index.html"
    )
    return render(request, template, context, status=200 if valid else 400)


def search_page(request):
    form = SearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    sections = search(text)
    context = {
        "form": form,
        "text": text,
        "sections": sections,
        "total": sum(section.total for section in sections),
        "capped": any(section.capped for section in sections),
        "suggestion": suggestion(text) if text and not sections else "",
    }
    return render(request, "portal/search.html", context, status=200 if form.is_valid() else 400)
