"""The options shown beside each filter of the index, each with its number of results, and the
SQL that counts them."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from actors.models import Involvement, Organisation
from initiatives.boundaries import boundaries
from initiatives.models import Initiative, ListingTotal, Territory, Theme
from initiatives.translations import translated_fields
from portal.cache import reading, remembered
from portal.catalogue import facet_index
from portal.catalogue.search import clean_text
from portal.maps.links import map_url


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool
    depth: int = 0
    children: list = field(default_factory=list)
    open: bool = False  # a tree node leading down to a chosen node
    more: int = 0  # children with results left out: only the most frequent are offered
    more_url: str = ""  # where to find them (the map of a département or intercommunalité)


@dataclass
class Facet:
    name: str
    label: str
    options: list = field(default_factory=list)
    tree: bool = False
    open_depth: int = 0  # a tree's levels shown unfolded (the rest behind a disclosure)

    @property
    def chosen(self):
        return any(option.selected or option.open for option in self.options)


def build_facets(filterset):
    """Facets for the template, and the number of results: only options that give results
    (and the chosen ones). Trees are nested options: the nodes with results as the tree shows
    them (TREE_CHILDREN, TREE_DEPTH), and the chosen ones with their ancestors."""
    filterset.is_valid()
    data = filterset.form.cleaned_data
    chosen = {name: _chosen(filterset, name) for name in filterset.FACETS}
    trees = {
        name: Tree(model, data.get(name) or [], filterset.request)
        for name, model in (("thematique", Theme), ("territoire", Territory))
    }
    counts = filterset.facet_counts(
        present_only={name: tree.hidden_below() for name, tree in trees.items()}
    )
    present = counts.get("present", {})
    facets = [
        _tree_facet(
            "thematique", _("Thématique"), trees["thematique"], counts["thematique"],
            present.get("thematique", ()), open_depth=0,
        ),
        # Regions and their former regions unfolded from the start.
        _tree_facet(
            "territoire", _("Territoire"), trees["territoire"], counts["territoire"],
            present.get("territoire", ()), open_depth=2,
            more_url=lambda node: _map_url(filterset.data, node),
        ),
        _choice_facet("type", _("Type"), Initiative.Kind, counts["type"], chosen),
        _choice_facet("statut", _("Statut"), Initiative.Status, counts["statut"], chosen),
        _actor_facet(counts["acteur"], chosen),
        _choice_facet("role", _("Rôle d'un acteur"), Involvement.Role, counts["role"], chosen),
    ]  # fmt: skip
    return facets, counts["total"]


def _chosen(filterset, name):
    """The validated values of a facet (none when absent or invalid): raw input never reaches
    a query."""
    values = filterset.form.cleaned_data.get(name) or []
    return {getattr(value, "slug", value) for value in values}


def _choice_facet(name, label, choices, counts, chosen):
    options = [
        Option(value, text, counts.get(value, 0), value in chosen[name])
        for value, text in choices.choices
        if counts.get(value) or value in chosen[name]
    ]
    return Facet(name, label, options)


# A tree node offers at most this many children (the most frequent, and the chosen ones), and
# below TREE_DEPTH only the chosen ones: at scale a département holds hundreds of communes
# with results, and the index was a megabyte. The map shows them all.
TREE_CHILDREN = 12
TREE_DEPTH = 4  # country, region, former region, département: deeper, only the chosen


class Tree:
    """A tree of options (themes, territories) for a request: the shape of the whole tree,
    kept in the process, and the chosen nodes with their ancestors."""

    def __init__(self, model, chosen, request):
        self.shape, self.deep = remembered(
            "tree", (model._meta.label, get_language()), lambda: _tree_shape(model), request,
            section="pages", as_is=True,
        )  # fmt: skip
        self.chosen = {node.pk for node in chosen}
        self.ancestors = {pk for node in chosen for pk in node.lineage[:-1]}
        self.leading = self.chosen | self.ancestors

    def hidden_below(self):
        """The nodes no option shows (below TREE_DEPTH, neither chosen nor leading to a
        chosen node): only whether they give results matters, to say how many are left out."""
        return self.deep - self.leading if self.leading else self.deep


def _tree_facet(name, label, tree, counted, uncounted, open_depth, more_url=None):
    """A tree of options, from the tree's shape (positions, parents and labels of every
    node): at a million initiatives thousands of communes have results, and only the hundred
    or so nodes shown become options. A node below TREE_DEPTH that is neither chosen nor
    leading to a chosen one is only counted among its parent's hidden children (not at all
    below a hidden one): `uncounted` may name such nodes with results, without their number."""
    shape, leading = tree.shape, tree.leading
    present = counted.keys() | uncounted | leading
    kept, deep = [], []
    for pk in present:
        place = shape.get(pk)
        if place is not None:
            (deep if place[2] > TREE_DEPTH and pk not in leading else kept).append(pk)
    # A node whose parent has no result is shown at the top (an initiative filed under a
    # territory counts under its ancestors too: this is for an unforeseen tree).
    kept += [pk for pk in deep if shape[pk][1] not in present or shape[pk][1] not in shape]
    options_to_be = set(kept)
    hidden = Counter(
        shape[pk][1] for pk in deep if pk not in options_to_be and shape[pk][1] in options_to_be
    )
    options, roots = {}, []
    for pk in sorted(kept, key=lambda pk: shape[pk][0]):
        _position, parent, depth, _node = shape[pk]
        option = Option("", "", counted.get(pk, 0), pk in tree.chosen, depth=depth)
        option.open = pk in tree.ancestors
        options[pk] = option
        (options[parent].children if parent in options else roots).append(option)
    pruned = set()
    for pk, option in options.items():
        limit = TREE_CHILDREN if option.depth < TREE_DEPTH else 0
        if len(option.children) > limit or hidden[pk]:
            _keep_most_frequent(option, limit)
            option.more += hidden[pk]
            pruned.add(pk)
    for pk in _reachable(roots, {id(option): pk for pk, option in options.items()}):
        node = shape[pk][3]
        option = options[pk]
        option.value, option.label = node.slug, node.label
        if pk in pruned and more_url:
            option.more_url = more_url(node)
    return Facet(name, label, roots, tree=True, open_depth=open_depth)


@dataclass(frozen=True)
class OptionNode:
    """What an option shows of a node (and what the map's link needs of a territory)."""

    slug: str
    label: str
    kind: str = ""
    code: str = ""


def _tree_shape(model):
    """{pk: (position, parent, depth, OptionNode)} of every node, positions in depth-first order
    (by the French sort keys of the names along the lineage), labels in the active language
    (a theme's English name in English); and the nodes below TREE_DEPTH."""
    fields = ["pk", "name", "slug", "lineage", "sort_key"]
    fields += ["i18n"] if translated_fields(model) else []
    fields += ["kind", "code"] if model is Territory else []
    nodes = list(model.objects.only(*fields))
    sort_keys = {node.pk: node.sort_key for node in nodes}
    nodes.sort(key=lambda node: [sort_keys.get(pk, "") for pk in node.lineage])
    shape = {
        node.pk: (
            position,
            node.lineage[-2] if len(node.lineage) > 1 else None,
            len(node.lineage) - 1,
            OptionNode(node.slug, str(node), getattr(node, "kind", ""), getattr(node, "code", "")),
        )
        for position, node in enumerate(nodes)
    }
    return shape, frozenset(pk for pk, place in shape.items() if place[2] > TREE_DEPTH)


def _reachable(roots, pks):
    """The pks of the options of the tree (a pruned child is no longer reachable)."""
    found, pending = [], list(roots)
    while pending:
        option = pending.pop()
        found.append(pks[id(option)])
        pending.extend(option.children)
    return found


def _keep_most_frequent(option, limit):
    """The chosen children and those leading to a chosen node, then the most frequent, in
    their order; the number left out is said."""
    ranked = sorted(
        option.children, key=lambda child: (not (child.selected or child.open), -child.count)
    )
    kept = {id(child) for child in ranked[:limit]}
    kept |= {id(child) for child in option.children if child.selected or child.open}
    option.more = len(option.children) - len(kept)
    option.children = [child for child in option.children if id(child) in kept]


def _map_url(params, territory):
    """The map zoomed into a département or an intercommunalité, the other filters kept: it
    shows every one of its areas with its count."""
    if territory.kind not in (Territory.Kind.DEPARTMENT, Territory.Kind.INTERCOMMUNALITY):
        return ""
    if not territory.code or boundaries().get(territory.kind, territory.code) is None:
        return ""  # the map would refuse a zone it has no outline for
    return map_url(params, territory.code, territoire=None)


def _actor_facet(counts, chosen):
    top = list(counts)  # the most frequent, counted by the filter, and the chosen ones
    organisations = Organisation.objects.published().filter(pk__in=top) | (
        Organisation.objects.published().filter(slug__in=chosen["acteur"])
    )
    options = [
        Option(org.slug, org.name, counts.get(org.pk, 0), org.slug in chosen["acteur"])
        for org in organisations.order_by("sort_key").only("pk", "name", "slug")
    ]
    return Facet("acteur", _("Acteur"), options)


# Counting ----------------------------------------------------------------------------------

ACTOR_OPTIONS = 40  # the most frequent actors of the current results, plus the one chosen


class FacetCounts:
    """For InitiativeFilter: the number of results each facet's values would give, in SQL over
    the listing rows (or the totals kept with the listing when nothing is filtered)."""

    def _rows_without(self, name):
        with self._leaving_out(name):
            return self.filter_queryset(self.queryset.all())

    def facet_counts(self, keys=None, only=None, present_only=None):
        """{facet: {value: number of results if that value were chosen, other filters kept}},
        and "total": the number of results. `keys` may restrict a facet to the values shown;
        `only` counts these facets alone, without the total (the map needs its territories:
        the actors, roles and themes of a large result are most of the index's counting).
        `present_only` ({facet: values}) may name values whose number is not needed, only
        whether they give results: the bitmaps then say it under "present" (facet_index.count),
        where the SQL counts them all the same.

        The facets whose filter is not in use count over the results themselves, all in one
        scan; each facet in use counts over the results of the other filters.
        """
        self.is_valid()
        keys = keys or {}
        facets = [name for name in self.FACETS if only is None or name in only]
        bitmaps = self._bitmaps()
        self.counted_from = "sql" if bitmaps is None else "bitmaps"
        if bitmaps is not None:
            return facet_index.count(
                bitmaps, *self._bitmap_filters(), facets, keys, with_total=only is None,
                actors_shown=ACTOR_OPTIONS + 1, present_only=present_only,
            )  # fmt: skip
        chosen = [name for name in facets if self.form.cleaned_data.get(name)]
        free = [name for name in facets if name not in chosen]
        counts = {}
        if only is None or free:
            counts = self._count(self.qs, free, keys, with_total=only is None)
        for name in chosen:
            counts.update(self._count(self._rows_without(name), [name], keys))
        return counts

    def territory_group_counts(self, groups):
        """{name: number of results if any territory of the group were chosen}, other filters
        kept: what the index shows for `?territoire=a&territoire=b`, a group's territories
        counted once per initiative (an intercommunalité is the union of its communes)."""
        self.is_valid()
        names = [name for name, pks in groups.items() for _pk in pks]
        pks = [pk for territories in groups.values() for pk in territories]
        if not pks:
            return {}
        # The bitmaps answer even unfiltered: no kept total counts a group of territories.
        if (bitmaps := self._bitmaps(unfiltered=True)) is not None:
            return facet_index.count_groups(bitmaps, *self._bitmap_filters(), groups)
        rows = self._rows_without("territoire").values("initiative_id", "territories")
        rows_sql, rows_params = rows.query.sql_with_params()
        # Each row's few territories joined to the chosen ones (a hash join), not each row
        # against every chosen territory: a département's intercommunalités hold hundreds of
        # communes, over a quarter of a million rows at a million initiatives.
        sql = (
            f"WITH rows AS NOT MATERIALIZED ({rows_sql}), "
            "chosen AS (SELECT * FROM unnest(%s::text[], %s::bigint[]) AS chosen(name, pk)) "
            "SELECT chosen.name, COUNT(DISTINCT rows.initiative_id) FROM rows "
            "CROSS JOIN LATERAL unnest(rows.territories) AS filed(pk) "
            "JOIN chosen ON chosen.pk = filed.pk "
            "WHERE rows.territories && %s::bigint[] GROUP BY chosen.name"
        )
        params = [*rows_params, names, pks, pks]
        counted = remembered("facets", (sql, params), lambda: self._run(sql, params), self.request)
        return dict(counted)

    def _bitmaps(self, unfiltered=False):
        """The in-memory bitmaps (`facet_index`), where they count these filters exactly as
        the SQL below, and where a filter is in use (the kept totals answer otherwise) unless
        `unfiltered`."""
        if not self.is_valid():
            return None
        data = self.form.cleaned_data
        used = {name for name, value in data.items() if value not in (None, [], "")}
        if clean_text(data.get("q")):
            return None
        used.discard("q")
        if not (unfiltered or used - {"tri"}) or not used <= facet_index.FILTERS:
            return None
        return facet_index.index.ready(reading())

    def _bitmap_filters(self):
        data = self.form.cleaned_data
        chosen = {
            name: [getattr(value, "pk", value) for value in data.get(name) or []]
            for name in ("thematique", "territoire", "type", "statut")
        }
        return chosen, (data.get("de"), data.get("a"))

    def _count(self, rows, facets, keys, with_total=False):
        """One query: the counts of these facets over the rows (and their number).

        Over every public initiative, the totals kept with the listing answer. Otherwise the
        counts are kept in the cache until the registry changes, under the query itself: the
        counts of the other filters are shared by every value of a facet, page and sort.
        """
        if not rows.query.where:
            return self._count_all(facets, keys, with_total)
        parts, params = ["SELECT 'total', '', COUNT(*) FROM rows"] if with_total else [], []
        for facet in facets:
            part, part_params = self._facet_sql(facet, keys.get(facet))
            parts.append(part)
            params += part_params
        columns = {FACET_COLUMNS[facet][0] for facet in facets}
        if {"acteur", "role"} & set(facets) and (self._value("acteur") or self._value("role")):
            columns.add("organisation_roles")
        rows_sql, rows_params = rows.values(*sorted(columns) or ["pk"]).query.sql_with_params()
        # One reading of the rows for several facets; a single facet reads them in place.
        materialized = "MATERIALIZED" if len(parts) > 1 else "NOT MATERIALIZED"
        sql = f"WITH rows AS {materialized} ({rows_sql}) " + " UNION ALL ".join(
            f"({part})" for part in parts
        )
        params = [*rows_params, *params]
        rows = remembered("facets", (sql, params), lambda: self._run(sql, params), self.request)
        counts = {facet: {} for facet in facets}
        for facet, key, number in rows:
            if facet == "total":
                counts["total"] = number
            else:
                counts[facet][FACET_KEYS[facet](key)] = number
        return counts

    def _count_all(self, facets, keys, with_total):
        columns = {FACET_COLUMNS[facet][0]: facet for facet in facets}
        shown = {"themes": keys.get("thematique"), "territories": keys.get("territoire")}
        actors = self.form.cleaned_data.get("acteur") or []
        wanted = Q(column="total") | Q(column__in=["kind", "status", "roles"])
        for column, values in shown.items():
            wanted |= Q(column=column) & (
                Q(key__in=map(str, values)) if values is not None else Q()
            )
        counted = ListingTotal.objects.filter(wanted).summed()
        organisations = ListingTotal.objects.filter(column="organisations").summed()
        top = organisations.order_by("-total", "key")[:ACTOR_OPTIONS]
        chosen = organisations.filter(key__in=[str(actor.pk) for actor in actors] or [""])
        query = counted.union(top, chosen, all=True)
        sql, params = query.query.sql_with_params()
        # The totals are deltas summed per value: kept with the other counts of this version.
        rows = remembered(
            "totals", (sql, params), lambda: self._run(sql, params), self.request, as_is=True
        )
        counts = {facet: {} for facet in facets}
        if with_total:
            counts["total"] = 0  # an empty registry has no totals yet
        for column, key, number in rows:
            if column == "total":
                if with_total:
                    counts["total"] = number
            elif column in columns:
                facet = columns[column]
                counts[facet][FACET_KEYS[facet](key)] = number
        return counts

    @staticmethod
    def _run(sql, params):
        with reading().cursor() as cursor:
            cursor.execute(sql, params)
            return [list(row) for row in cursor.fetchall()]

    def _facet_sql(self, facet, keys):
        actors, roles = self._value("acteur"), self._value("role")
        if facet == "role" and actors:
            # The roles of the chosen actors (an initiative counted once a role).
            return (
                "SELECT 'role', held.role, COUNT(*) FROM rows, LATERAL (SELECT DISTINCT "
                "split_part(pair, ':', 2) AS role FROM unnest(organisation_roles) AS pair "
                "WHERE split_part(pair, ':', 1) = ANY(%s)) AS held GROUP BY 2",
                [[str(actor.pk) for actor in actors]],
            )
        if facet == "acteur":
            # The most frequent organisations (holding a chosen role), and the chosen ones,
            # even while their own filter is left out.
            chosen = [str(actor.pk) for actor in self.form.cleaned_data.get("acteur") or []]
            if roles:
                sql = (
                    "SELECT held.key, COUNT(*) AS n FROM rows, LATERAL (SELECT DISTINCT "
                    "split_part(pair, ':', 1) AS key FROM unnest(organisation_roles) AS pair "
                    "WHERE split_part(pair, ':', 2) = ANY(%s)) AS held GROUP BY 1"
                )
                params = [list(roles)]
            else:
                sql = "SELECT key::text, COUNT(*) AS n FROM rows, unnest(organisations) AS key "
                sql += "GROUP BY 1"
                params = []
            return (
                f"SELECT 'acteur', key, n FROM ({sql}) AS counted "
                "ORDER BY key = ANY(%s) DESC, n DESC, key LIMIT %s",
                [*params, chosen, ACTOR_OPTIONS + max(len(chosen), 1)],
            )
        column, is_array = FACET_COLUMNS[facet]
        if not is_array:
            return f"SELECT '{facet}', {column}, COUNT(*) FROM rows GROUP BY {column}", []
        if keys is None:
            return (
                f"SELECT '{facet}', key::text, COUNT(*) FROM rows, unnest({column}) AS key "
                "GROUP BY key",
                [],
            )
        return (
            f"SELECT '{facet}', key::text, COUNT(*) FROM rows, unnest({column}) AS key "
            "WHERE key = ANY(%s) GROUP BY key",
            [list(keys)],
        )


# The listing's columns each facet counts on, whether they are arrays, and the key type.
FACET_COLUMNS = {
    "type": ("kind", False),
    "statut": ("status", False),
    "role": ("roles", True),
    "acteur": ("organisations", True),
    "thematique": ("themes", True),
    "territoire": ("territories", True),
}
FACET_KEYS = {
    "type": str,
    "statut": str,
    "role": str,
    "acteur": int,
    "thematique": int,
    "territoire": int,
}
