"""/carte/: the number of public initiatives matching the index's filters, per département,
per intercommunalité of a département, per commune of an intercommunalité, drawn as SVG.

The page takes the index's parameters (and `zone`, the area zoomed into). Each count is the
index's own facet counting (`FacetCounts`): the number of results of the index filtered on the
area's territories in the registry (a département; the registry's communes inside an
intercommunalité), the other filters kept, which is where each area links.
"""

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from initiatives.boundaries import Frame, boundaries
from initiatives.models import Territory
from initiatives.templatetags.registre import fr_number
from portal.cache import remembered
from portal.catalogue.filters import InitiativeFilter
from portal.maps.links import map_url, query_with

CLASSES = 5  # shades of the legend, zero aside
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
    count: int
    shade: int  # a class of the legend
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
    frame, shown, members, paths, outlines = _drawing(zone.code if zone else None)
    kind = shown[0].kind
    # Read once a version of the pages: a département's level is thousands of communes.
    groups = remembered(
        "map-groups",
        zone.code if zone else "",
        lambda: _registry_groups(kind, shown, members),
        request,
        section="pages",
        as_is=True,
    )
    counts = {}
    if valid and any(groups.values()):
        if all(len(group) <= 1 for group in groups.values()):
            # One territory each: the index's own facet counts (kept totals when unfiltered).
            keys = {"territoire": [group[0].pk for group in groups.values() if group]}
            by_pk = filterset.facet_counts(keys, only=["territoire"])["territoire"]
            counts = {code: by_pk.get(group[0].pk, 0) for code, group in groups.items() if group}
        else:
            counts = filterset.territory_group_counts(
                {code: [territory.pk for territory in group] for code, group in groups.items()}
            )
    highest = max(counts.values(), default=0)
    filters = query_with(request.GET, territoire=None)
    areas = []
    for area in sorted(shown, key=lambda area: area.name):
        group = groups[area.code]
        count = counts.get(area.code, 0)
        areas.append(
            MapArea(
                name=area.name,
                code=area.code,
                path=paths[area.code],
                count=count,
                shade=_shade(count, highest),
                index_url=_index_url(filters, group) if group else None,
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
    """The frame, areas, their member communes and paths of a level: the same whatever the
    filters, so drawn once a process (about a hundred levels)."""
    data = boundaries()
    zone = code and (data.get("department", code) or data.get("intercommunality", code))
    shown = data.children(zone) if zone else data.of_kind("department")
    members = {area.code: [] for area in shown}
    if shown[0].kind == "intercommunality":
        for commune in data.of_kind("commune"):
            if commune.parents.get("intercommunality") in members:
                members[commune.parents["intercommunality"]].append(commune.code)
    frame = Frame.around(shown)
    paths = {area.code: frame.path(area) for area in shown}
    outlines = [] if zone else [frame.path(area) for area in data.of_kind("former_region")]
    return frame, shown, members, paths, outlines


def _registry_groups(kind, shown, members):
    """{area code: the registry's territories in that area}: the area itself when the registry
    has it, and for an intercommunalité the registry's communes inside it (the registry files
    initiatives under communes; few intercommunalités are territories of their own)."""
    codes = {area.code for area in shown}
    communes = {code for codes_of_area in members.values() for code in codes_of_area}
    territories = Territory.objects.filter(
        Q(kind=KINDS[kind], code__in=codes) | Q(kind=Territory.Kind.COMMUNE, code__in=communes)
    ).only("pk", "code", "slug", "kind", "lineage")
    groups = {code: [] for code in codes}
    area_of_commune = {c: area for area, codes_of_area in members.items() for c in codes_of_area}
    for territory in sorted(territories, key=lambda territory: territory.slug):
        if territory.kind == KINDS[kind]:
            groups[territory.code].append(territory)
        elif territory.code in area_of_commune:
            groups[area_of_commune[territory.code]].append(territory)
    # A territory below another of its group adds nothing (an initiative is filed under every
    # ancestor of its territories): an intercommunalité of the registry counts alone, from the
    # kept totals, and its link is to itself.
    for code, group in groups.items():
        pks = {territory.pk for territory in group}
        groups[code] = [t for t in group if not pks.intersection(t.lineage[:-1])]
    return groups


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


def _index_url(filters, territories):
    """The index with the other filters (a query string) and these territories: encoded in
    one call, an area of a département's map holding up to a hundred communes."""
    places = urlencode([("territoire", territory.slug) for territory in territories])
    return f"{reverse('initiative_index')}?{filters + '&' if filters else ''}{places}#resultats"


def _zoom_url(params, area):
    return map_url(params, area.code)


def _zone_parent_url(params, data, zone):
    if zone is None:
        return None
    if zone.kind == "intercommunality":
        departments = zone.parents.get("departments", [])
        if len(departments) == 1:
            return _zoom_url(params, data.get("department", departments[0]))
    return map_url(params)
