"""/carte/: the number of public initiatives matching the index's filters, per département,
per intercommunalité of a département, per commune of an intercommunalité, drawn as SVG.

The page takes the index's parameters (and `zone`, the area zoomed into). Each count is the
index's own facet count of that territory (`FacetCounts`): the number of results of the index
filtered on it, the other filters kept, which is where each area links.
"""

from dataclasses import dataclass
from functools import cache

from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from initiatives.boundaries import Frame, boundaries
from initiatives.models import Territory
from initiatives.templatetags.registre import fr_number
from portal.catalogue.filters import InitiativeFilter

CLASSES = 5  # shades of the legend, "none" aside
# The level drawn inside each zoomable level, and the registry's kind of each level.
KINDS = {
    "department": Territory.Kind.DEPARTMENT,
    "intercommunality": Territory.Kind.INTERCOMMUNALITY,
    "commune": Territory.Kind.COMMUNE,
}


@dataclass
class MapArea:
    name: str
    code: str
    path: str
    count: int | None  # None: not in the registry, so not counted
    shade: int | str  # a class of the legend, "none" when not counted
    index_url: str | None
    zoom_url: str | None

    @property
    def url(self):
        return self.index_url or self.zoom_url


def initiative_map(request):
    filterset = InitiativeFilter(request.GET, request=request)
    valid = filterset.is_valid()
    data = boundaries()
    zone, error = _zone(data, request.GET.get("zone", ""))
    frame, shown, paths, outlines = _drawing(zone.code if zone else None)
    kind = shown[0].kind
    territories = {
        territory.code: territory
        for territory in Territory.objects.filter(
            kind=KINDS[kind], code__in=[area.code for area in shown]
        ).only("pk", "code", "slug", "name")
    }
    counts = {}
    if valid and territories:
        keys = {"territoire": [territory.pk for territory in territories.values()]}
        counts = filterset.facet_counts(keys)["territoire"]
    highest = max(counts.values(), default=0)
    areas = []
    for area in sorted(shown, key=lambda area: area.name):
        territory = territories.get(area.code)
        count = counts.get(territory.pk, 0) if territory else None
        areas.append(
            MapArea(
                name=area.name,
                code=area.code,
                path=paths[area.code],
                count=count,
                shade=_shade(count, highest),
                index_url=_index_url(request.GET, territory) if territory else None,
                zoom_url=_zoom_url(request.GET, area) if area.kind != "commune" else None,
            )
        )
    context = {
        "filter": filterset,
        "zone": zone,
        "zone_parent_url": _zone_parent_url(request.GET, data, zone),
        "areas": areas,
        "outlines": outlines,
        "frame": frame,
        "view_box": f"0 0 {frame.width * 10} {frame.height * 10}",
        "legend": _legend(highest),
        "level": {
            "department": _("Département"),
            "intercommunality": _("Intercommunalité"),
            "commune": _("Commune"),
        }[kind],
        "source": data,
        "zone_error": error,
    }
    status = 200 if valid and not error else 400
    return render(request, "portal/initiative_map.html", context, status=status)


@cache
def _drawing(code):
    """The frame, areas and paths of a level: the same whatever the filters, so drawn once a
    process (about a hundred levels)."""
    data = boundaries()
    zone = code and (data.get("department", code) or data.get("intercommunality", code))
    shown = data.children(zone) if zone else data.of_kind("department")
    frame = Frame.around(shown)
    paths = {area.code: frame.path(area) for area in shown}
    outlines = [] if zone else [frame.path(area) for area in data.of_kind("former_region")]
    return frame, shown, paths, outlines


def _zone(data, code):
    """The département or intercommunalité zoomed into, from its official code."""
    if not code:
        return None, None
    area = data.get("department", code) or data.get("intercommunality", code)
    if area is None or len(code) > 20:
        return None, _("« %(code)s » n'est ni un département ni une intercommunalité connus.") % {
            "code": code[:20]
        }
    return area, None


def _shade(count, highest):
    if count is None:
        return "none"
    if not count:
        return 0
    return min(CLASSES, 1 + (count - 1) * CLASSES // max(highest, 1))


def _legend(highest):
    """The range of counts of each shade (shades as `_shade` gives them)."""
    rows = [(0, "0")]
    if not highest:
        return rows
    for shade in range(1, CLASSES + 1):
        # (n - 1) × CLASSES // highest == shade - 1, solved for n: no loop over the counts.
        low = -(-(shade - 1) * highest // CLASSES) + 1
        high = min(-(-shade * highest // CLASSES), highest)
        if low <= high:
            label = fr_number(low) if low == high else f"{fr_number(low)} – {fr_number(high)}"
            rows.append((shade, label))
    return rows


def _query(params, **changes):
    query = QueryDict(mutable=True)
    for key in params:
        if key not in ("page", "zone", *changes):
            query.setlist(key, params.getlist(key))
    for key, value in changes.items():
        if value:
            query[key] = value
    return query.urlencode()


def _index_url(params, territory):
    query = _query(params, territoire=territory.slug)
    return f"{reverse('initiative_index')}?{query}#resultats"


def _zoom_url(params, area):
    return f"{reverse('initiative_map')}?{_query(params, zone=area.code)}"


def _zone_parent_url(params, data, zone):
    if zone is None:
        return None
    if zone.kind == "intercommunality":
        departments = zone.parents.get("departments", [])
        if len(departments) == 1:
            return _zoom_url(params, data.get("department", departments[0]))
    query = _query(params)
    return reverse("initiative_map") + (f"?{query}" if query else "")
