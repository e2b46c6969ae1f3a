"""The options shown beside each filter of the index, each with its number of results, and the
SQL that counts them."""

from dataclasses import dataclass, field

from django.db.models import Q

from actors.models import Involvement, Organisation
from initiatives.models import Initiative, ListingTotal, Territory, Theme
from portal.cache import reading, remembered

TREE_LEVELS = 2  # levels of a tree always offered (region and departments, themes and sub-themes)


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool
    depth: int = 0


@dataclass
class Facet:
    name: str
    label: str
    options: list = field(default_factory=list)
    all_label: str = "Toutes"


def build_facets(filterset):
    """Facets for the template, and the number of results: only options that give results
    (and the chosen ones). Trees show their first two levels and the way down to the chosen
    node with its children, so a registry of thousands of communes keeps short lists."""
    filterset.is_valid()
    chosen = {name: _chosen(filterset, name) for name in filterset.FACETS}
    nodes = {
        "thematique": _shown_nodes(Theme, filterset.form.cleaned_data.get("thematique")),
        "territoire": _shown_nodes(Territory, filterset.form.cleaned_data.get("territoire")),
    }
    counts = filterset.facet_counts(keys={name: list(by_id) for name, by_id in nodes.items()})
    facets = [
        _tree_facet("thematique", "Thématique", nodes, counts, chosen),
        _tree_facet("territoire", "Territoire", nodes, counts, chosen),
        _choice_facet("type", "Type", Initiative.Kind, counts["type"], chosen, "Tous"),
        _choice_facet("statut", "Statut", Initiative.Status, counts["statut"], chosen, "Tous"),
        _actor_facet(counts["acteur"], chosen),
        _choice_facet("role", "Rôle d'un acteur", Involvement.Role, counts["role"], chosen, "Tous"),
    ]
    return facets, counts["total"]


def _shown_nodes(model, chosen):
    """{pk: node} of the first two levels, the chosen node, its ancestors and its children."""
    shown = Q(lineage__len__lte=TREE_LEVELS)
    if chosen is not None:
        shown |= Q(pk__in=chosen.lineage) | Q(parent=chosen.pk)
    nodes = model.objects.filter(shown).only("pk", "name", "slug", "lineage", "sort_key")
    return {node.pk: node for node in nodes}


def _chosen(filterset, name):
    """The validated choice of a facet ("" when absent or invalid): raw input never reaches
    a query."""
    value = filterset.form.cleaned_data.get(name)
    return getattr(value, "slug", value) or ""


def _choice_facet(name, label, choices, counts, chosen, all_label):
    options = [
        Option(value, text, counts.get(value, 0), chosen[name] == value)
        for value, text in choices.choices
        if counts.get(value) or chosen[name] == value
    ]
    return Facet(name, label, options, all_label)


def _tree_facet(name, label, nodes, counts, chosen):
    by_id = nodes[name]
    counted = counts[name]
    shown = [node for node in by_id.values() if counted.get(node.pk) or node.slug == chosen[name]]
    # Depth-first order: the French sort keys of the names along the lineage.
    ordered = sorted(shown, key=lambda node: _path_key(node, by_id))
    options = [
        Option(
            node.slug,
            node.name,
            counted.get(node.pk, 0),
            node.slug == chosen[name],
            depth=len(node.lineage) - 1,
        )  # fmt: skip
        for node in ordered
    ]
    return Facet(name, label, options)


def _path_key(node, by_id):
    return [by_id[pk].sort_key if pk in by_id else "" for pk in node.lineage]


def _actor_facet(counts, chosen):
    top = list(counts)  # the most frequent, counted by the filter, and the chosen one
    organisations = Organisation.objects.published().filter(pk__in=top) | (
        Organisation.objects.published().filter(slug=chosen["acteur"])
    )
    options = [
        Option(org.slug, org.name, counts.get(org.pk, 0), org.slug == chosen["acteur"])
        for org in organisations.order_by("sort_key").only("pk", "name", "slug")
    ]
    return Facet("acteur", "Acteur", options, "Tous")


# Counting ----------------------------------------------------------------------------------

ACTOR_OPTIONS = 40  # the most frequent actors of the current results, plus the one chosen


class FacetCounts:
    """For InitiativeFilter: the number of results each facet's values would give, in SQL over
    the listing rows (or the totals kept with the listing when nothing is filtered)."""

    def _rows_without(self, name):
        with self._leaving_out(name):
            return self.filter_queryset(self.queryset.all())

    def facet_counts(self, keys=None):
        """{facet: {value: number of results if that value were chosen, other filters kept}},
        and "total": the number of results. `keys` may restrict a facet to the values shown.

        The facets whose filter is not in use count over the results themselves, all in one
        scan; each facet in use counts over the results of the other filters.
        """
        self.is_valid()
        keys = keys or {}
        chosen = [name for name in self.FACETS if self.form.cleaned_data.get(name)]
        free = [name for name in self.FACETS if name not in chosen]
        counts = self._count(self.qs, free, keys, with_total=True)
        for name in chosen:
            counts.update(self._count(self._rows_without(name), [name], keys))
        return counts

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
        actor = self._value("acteur")
        wanted = Q(column="total") | Q(column__in=["kind", "status", "roles"])
        for column, values in shown.items():
            wanted |= Q(column=column) & (
                Q(key__in=map(str, values)) if values is not None else Q()
            )
        counted = ListingTotal.objects.filter(wanted).summed()
        organisations = ListingTotal.objects.filter(column="organisations").summed()
        top = organisations.order_by("-total", "key")[:ACTOR_OPTIONS]
        chosen = organisations.filter(key=str(actor.pk) if actor is not None else "")
        query = counted.union(top, chosen, all=True)
        sql, params = query.query.sql_with_params()
        # The totals are deltas summed per value: kept with the other counts of this version.
        rows = remembered("totals", (sql, params), lambda: self._run(sql, params), self.request)
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
        actor, role = self._value("acteur"), self._value("role")
        if facet == "role" and actor is not None:
            # The roles of the chosen actor.
            return (
                "SELECT 'role', split_part(key, ':', 2), COUNT(*) FROM rows, "
                "unnest(organisation_roles) AS key WHERE starts_with(key, %s) GROUP BY 2",
                [f"{actor.pk}:"],
            )
        if facet == "acteur":
            # The most frequent organisations (holding the chosen role), and the chosen one.
            chosen = str(actor.pk) if actor is not None else ""
            if role:
                sql = (
                    "SELECT split_part(key, ':', 1) AS key, COUNT(*) AS n FROM rows, "
                    "unnest(organisation_roles) AS key WHERE split_part(key, ':', 2) = %s "
                    "GROUP BY 1"
                )
                params = [role]
            else:
                sql = "SELECT key::text, COUNT(*) AS n FROM rows, unnest(organisations) AS key "
                sql += "GROUP BY 1"
                params = []
            return (
                f"SELECT 'acteur', key, n FROM ({sql}) AS counted "
                "ORDER BY key = %s DESC, n DESC, key LIMIT %s",
                [*params, chosen, ACTOR_OPTIONS + 1],
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
