import hashlib

import django_filters
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from initiatives.locator import locator
from initiatives.memory import as_they_are
from initiatives.models import (
    Document,
    Event,
    Initiative,
    Language,
    ListingTotal,
    PublicationState,
    Territory,
    Theme,
)
from initiatives.network import DRAWN_KINDS, SORT_ORDERS, programme_network
from initiatives.timeline import initiative_marks, programme_bars, strip
from initiatives.uploads import content_type


def visible(request, model):
    """Published records for the public; every state for staff who may view them (preview)."""
    opts = model._meta
    if request.user.is_staff and request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return model.objects.all()
    return model.objects.published()


def related_model(name):
    # Involvements and fundings live in `actors`, above this app: reach them through the relation.
    return Initiative._meta.get_field(name).related_model


# What a record's page shows (an initiative's, an organisation's, a territory's), kept in this
# process's memory under the version of the public pages that the page cache read for an
# anonymous visitor (request.registry_versions, portal.cache): the same page asked with another
# query string, or again once the page cache has let it go, is rendered without reading the
# registry again. Any committed public change moves the version on; staff always read afresh.
PAGE_DATA_TTL = 600


def kept_page_data(request, name, slug, build):
    """What a record's page shows, `build(request, slug)`, kept as said above: for an anonymous
    visitor, in this process, under the pages' version the page cache read. Also what a list
    counts, the slug being its filter (the actor index)."""
    versions = getattr(request, "registry_versions", None)
    if versions is None or request.user.is_staff:
        return build(request, slug)
    # The slug hashed: any text may be asked, and a key stays short.
    digest = hashlib.sha256(slug.encode()).hexdigest()[:32]
    key = f"{name}-page:{versions['pages']}:{get_language()}:{digest}"
    data = as_they_are.get(key)
    if data is None:
        data = caches["local"].get(key)
        if data is None:
            data = build(request, slug)
            caches["local"].set(key, data, PAGE_DATA_TTL)
        as_they_are.set(key, data, PAGE_DATA_TTL)
    return data


def initiative_detail(request, slug):
    data = kept_page_data(request, "initiative", slug, initiative_page_data)
    return render_with_network(request, "initiatives/initiative_detail.html", data, "network_html")


def initiative_page_data(request, slug):
    public = Initiative.objects.published()
    involvements = related_model("involvements").objects
    fundings = related_model("fundings").objects
    children = public
    if request.user.is_staff:
        # Staff see a hidden initiative as it will be once published: with its published
        # actors and children (on a public initiative these are exactly the public ones).
        involvements = involvements.with_public_actor()
        fundings = fundings.with_public_beneficiary()
        children = Initiative.objects.filter(publication_state=PublicationState.PUBLISHED)
    else:
        involvements, fundings = involvements.published(), fundings.published()
    initiative = get_object_or_404(
        visible(request, Initiative)
        .select_related("parent")
        .prefetch_related(
            "themes",
            Prefetch("territories", queryset=Territory.objects.with_outlined_ancestor()),
            "activity_types",
            "milestones",
            Prefetch("events", queryset=Event.objects.select_related("territory")),
            "figures",
            Prefetch("documents", queryset=Document.objects.published()),
            Prefetch("children", queryset=children.order_by("sort_key")),
            Prefetch(
                "involvements",
                queryset=involvements.select_related("organisation", "person").order_by(
                    "organisation__sort_key", "person__sort_key"
                ),
            ),
            Prefetch("fundings", queryset=fundings.select_related("beneficiary")),
        ),
        slug=slug,
    )
    # A public initiative has public ancestors: only a staff preview needs to ask.
    parent_is_public = initiative.parent and (
        not request.user.is_staff or public.filter(pk=initiative.parent_id).exists()
    )
    role_order = list(related_model("involvements").Role.values)
    roles = {}
    for involvement in sorted(
        initiative.involvements.all(), key=lambda i: role_order.index(i.role)
    ):
        roles.setdefault(involvement.role, []).append(involvement)
    roles = {group[0].role_label(len(group)): group for group in roles.values()}
    related = list(public.related_to(initiative))
    marks = initiative_marks(initiative)
    chronology = chronology_of(initiative)
    timeline = strip(*marks, period=(initiative.start, initiative.end))
    children = initiative.children.all()
    bars = programme_bars(initiative, children, timezone.localdate())
    network = None
    if initiative.kind in DRAWN_KINDS or children:
        network = programme_network(initiative, children)
    data = {
        "initiative": initiative,
        # Rendered here, so that the page data kept for the next visitors holds them.
        "objectives_html": initiative.objectives_html(),
        "body_html": initiative.body_html(),
        "locator": locator(initiative.territories.all()),
        "network": network,
        "parent": initiative.parent if parent_is_public else None,
        "roles": roles,
        "related": related,
        "chronology": chronology,
        "strip": timeline,
        "bars": bars,
        "contents": contents_of(initiative, chronology or timeline, related, network),
        # Staff may see what the public cannot: the record, or one of its ancestors, hidden.
        "is_preview": request.user.is_staff and not public.filter(pk=initiative.pk).exists(),
    }
    # The sections that show the data alone, rendered with it: rendering the page was most of
    # its cost once its data were kept. The network's table is sorted by the query string: the
    # network is rendered in each of its orders (an unknown one is rendered for its request).
    for part in ("facts", "actions", "figures", "chronology", "documents", "related"):
        data[f"{part}_html"] = render_to_string(f"includes/initiative_{part}.html", data, request)
    data["network_html"] = {
        order: render_to_string(
            "includes/initiative_network.html", {**data, **network_table(network, order)}, request
        )
        for order in (SORT_ORDERS if network else ())
    }
    return data


def network_table(network, order):
    """What the network's table needs from the query string's order."""
    return {
        "network_rows": network.sorted_nodes(order) if network else [],
        "network_order": order if order in SORT_ORDERS else "",
        "network_order_unknown": order not in SORT_ORDERS,
    }


def render_with_network(request, template, data, rendered):
    """A page whose network's table the query string sorts: `data[rendered]` holds what the
    data rendered in each order; an unknown order is rendered for its request, answered 400."""
    order = request.GET.get("tri", "")
    return render(
        request,
        template,
        {**data, **network_table(data["network"], order), rendered: data[rendered].get(order)},
        status=200 if order in SORT_ORDERS else 400,
    )


def chronology_of(initiative):
    """Milestones and events (prefetched) in one list, in date order: each told once, an
    event under the milestone of its year rather than in a second list; undated events last."""
    dated = [("milestone", m.date, m) for m in initiative.milestones.all()]
    dated += [("event", e.start, e) for e in initiative.events.all() if e.start]
    dated.sort(key=lambda entry: (entry[1].iso, entry[0] == "event"))
    undated = [("event", None, e) for e in initiative.events.all() if not e.start]
    return dated + undated


# A page with this many sections opens with their list.
CONTENTS_FROM = 4


def contents_of(initiative, has_chronology, related, network):
    """The sections of an initiative's page, (anchor, title), when there are enough of them to
    need a table of contents; the titles are the sections' own headings."""
    children = len(initiative.children.all())
    sections = [
        ("objectifs", gettext("Objectifs"), initiative.objectives),
        ("description", gettext("Description"), initiative.body),
        (
            "actions",
            ngettext("%(counter)s action rattachée", "%(counter)s actions rattachées", children)
            % {"counter": children},
            children,
        ),
        ("reseau", gettext("Réseau d'acteurs"), network),
        ("chiffres", gettext("Chiffres clés"), initiative.figures.all()),
        ("chronologie", gettext("Chronologie"), has_chronology),
        ("entreprises", gettext("Entreprises accompagnées"), initiative.fundings.all()),
        ("documents", gettext("Documents"), initiative.documents.all()),
        ("proches", gettext("Initiatives proches"), related),
    ]
    present = [(anchor, title) for anchor, title, content in sections if content]
    return present if len(present) >= CONTENTS_FROM else []


# A territory or theme page shows this many of its initiatives; the index has them all.
PREVIEW_SIZE = 20


def first_initiatives(initiatives, column, node):
    """The count and the first initiatives in French order: the page stays the same size
    whether a theme holds ten initiatives or thirty thousand. The count is the one kept with
    the listing (counting the region's rows took 0.5 s at a million initiatives)."""
    # Sorted on the listing's title index: the first rows in a few ms even for the whole
    # region (sorting the 90 000 rows it holds at 100 000 initiatives took 180 ms).
    by_title = initiatives.order_by("listing__sort_key", "listing__initiative")
    return {
        "initiative_count": ListingTotal.objects.count_of(column, node.pk),
        "initiatives": by_title[:PREVIEW_SIZE],
    }


def territory_detail(request, slug):
    data = kept_page_data(request, "territory", slug, territory_page_data)
    return render(request, "initiatives/territory_detail.html", data)


def territory_page_data(request, slug):
    """What a territory's page shows, its content rendered with it."""
    territory = get_object_or_404(
        Territory.objects.select_related("parent").with_outlined_ancestor(), slug=slug
    )
    data = {
        "territory": territory,
        "locator": locator([territory]),
        "ancestors": territory.ancestors(),
        "children": list(territory.children.order_by("sort_key")),
        "successors": list(territory.successors.all()),
        "predecessors": list(territory.predecessors.all()),
        **first_initiatives(
            Initiative.objects.published().in_territory(territory), "territories", territory
        ),
        **events_held_in(territory),
    }
    data["initiatives"], data["events"] = list(data["initiatives"]), list(data["events"])
    data["content_html"] = render_to_string("initiatives/territory_content.html", data, request)
    return data


# Events are counted up to this many (a territory's, each list of the agenda); beyond, the page
# says "more than", and the agenda's pages stop there (the API's list of events has them all).
EVENTS_COUNTED = 1000
# The latest first, in the order of their index (initiatives_event_latest).
LATEST_FIRST = (F("start").desc(nulls_last=True), "sort_key", "pk")


def count_up_to(queryset, bound):
    """The number of rows, counted up to bound + 1 (a LIMIT in the count: it stops there);
    past the bound, the page says "more than". Their order does not change how many."""
    return queryset.order_by()[: bound + 1].count()


class BoundedPaginator(Paginator):
    """A paginator that counts up to `bound` results: past it, `capped`, and its pages stop
    there. Counting all the past events of the registry took 0.7 s at a million initiatives."""

    def __init__(self, object_list, per_page, bound):
        super().__init__(object_list, per_page)
        self.bound = bound

    @cached_property
    def found(self):
        return count_up_to(self.object_list, self.bound)

    @cached_property
    def count(self):
        return min(self.found, self.bound)

    @property
    def capped(self):
        return self.found > self.bound


def events_held_in(territory):
    """The public events held in the territory or below it, the latest first: a count and the
    first ones (Amiens had three events and no initiative filed under it).

    The count stops past EVENTS_COUNTED: counting the Somme's 91,000 events at a million
    initiatives took a third of a second, for a number nobody reads to the unit.
    """
    events = Event.objects.published().filter(territory__lineage__contains=[territory.pk])
    latest_first = events.select_related("initiative", "territory").order_by(*LATEST_FIRST)
    count = count_up_to(events, EVENTS_COUNTED)
    return {
        "event_count": min(count, EVENTS_COUNTED),
        "events_capped": count > EVENTS_COUNTED,
        "events": latest_first[:PREVIEW_SIZE] if count else [],
    }


def theme_detail(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    return render(
        request,
        "initiatives/theme_detail.html",
        {
            "theme": theme,
            "ancestors": theme.ancestors(),
            "children": theme.children.order_by("sort_key"),
            **first_initiatives(Initiative.objects.published().in_theme(theme), "themes", theme),
        },
    )


def document_detail(request, slug):
    document = get_object_or_404(
        visible(request, Document).prefetch_related(
            "keywords__labels",
            Prefetch("initiatives", queryset=Initiative.objects.published()),
        ),
        slug=slug,
    )
    return render(
        request,
        "initiatives/document_detail.html",
        {
            "document": document,
            "is_preview": document.publication_state != PublicationState.PUBLISHED,
        },
    )


def _tree(nodes):
    """Nodes (with lineage) as nested (node, children) pairs, siblings in French order."""
    children = {}
    for node in sorted(nodes, key=lambda node: node.sort_key):
        parent = node.lineage[-2] if len(node.lineage) > 1 else None
        children.setdefault(parent, []).append(node)

    def build(parent):
        return [(node, build(node.pk)) for node in children.get(parent, [])]

    return build(None)


def territory_index(request):
    territories = Territory.objects.only("pk", "name", "slug", "kind", "lineage", "sort_key")
    return render(request, "initiatives/territory_index.html", {"tree": _tree(territories)})


def theme_index(request):
    themes = Theme.objects.only("pk", "name", "i18n", "slug", "lineage", "sort_key")
    return render(request, "initiatives/theme_index.html", {"tree": _tree(themes)})


AGENDA_PAGE_SIZE = 20


def agenda(request):
    """Three lists, each paginated with its own parameter (the page of one survives a click
    in another): upcoming `page`, undated `sans-date`, past `passes`."""
    events = Event.objects.published().select_related("initiative", "territory")
    today = timezone.localdate()
    lists = {
        "upcoming": ("page", events.upcoming(today).order_by("start", "sort_key", "pk")),
        "undated": ("sans-date", events.filter(start__isnull=True).order_by("sort_key", "pk")),
        "past": ("passes", events.past(today).order_by(*LATEST_FIRST)),
    }
    pages = {
        name: BoundedPaginator(queryset, AGENDA_PAGE_SIZE, EVENTS_COUNTED).get_page(
            request.GET.get(param)
        )
        for name, (param, queryset) in lists.items()
    }
    return render(request, "initiatives/agenda.html", pages)


class DocumentFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(
        label=_("Type"), field_name="kind", choices=Document.Kind.choices, empty_label=_("Tous")
    )
    langue = django_filters.ChoiceFilter(
        label=_("Langue"), field_name="language", choices=Language.choices, empty_label=_("Toutes")
    )

    class Meta:
        model = Document
        fields = []


def document_file(request, slug):
    """The attached file, as a download: never rendered by the browser in our origin."""
    document = get_object_or_404(visible(request, Document).exclude(file=""), slug=slug)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("Fichier introuvable.") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
        content_type=content_type(document.file.name),
    )


def document_index(request):
    filterset = DocumentFilter(
        request.GET,
        queryset=Document.objects.published().order_by(
            F("publication_date").desc(nulls_last=True), "sort_key"
        ),
    )
    page = Paginator(filterset.qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "initiatives/document_index.html",
        {"filter": filterset, "page": page},
        status=200 if filterset.is_valid() else 400,
    )
