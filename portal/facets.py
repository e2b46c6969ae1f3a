"""The options shown beside each filter of the index, each with its number of results."""

from dataclasses import dataclass, field

from django.db.models import Q

from actors.models import Involvement, Organisation
from initiatives.models import Initiative, Territory, Theme

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
