"""The options shown beside each filter of the index, each with its number of results."""

from dataclasses import dataclass, field

from actors.models import Involvement, Organisation
from initiatives.models import Initiative, Territory, Theme

ACTOR_OPTIONS = 40  # the most frequent actors of the current results, plus the one chosen


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
    """Facets for the template: only options that give results (and the chosen ones)."""
    counts = filterset.facet_counts()
    chosen = {name: _chosen(filterset, name) for name in filterset.FACETS}
    return [
        _tree_facet("thematique", "Thématique", Theme, counts["thematique"], chosen),
        _tree_facet("territoire", "Territoire", Territory, counts["territoire"], chosen),
        _choice_facet("type", "Type", Initiative.Kind, counts["type"], chosen, "Tous"),
        _choice_facet("statut", "Statut", Initiative.Status, counts["statut"], chosen, "Tous"),
        _actor_facet(counts["acteur"], chosen),
        _choice_facet("role", "Rôle d'un acteur", Involvement.Role, counts["role"], chosen, "Tous"),
    ]


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


def _tree_facet(name, label, model, counts, chosen):
    nodes = model.objects.filter(pk__in=counts.keys()) | model.objects.filter(slug=chosen[name])
    by_id = {node.pk: node for node in nodes.only("pk", "name", "slug", "lineage", "sort_key")}
    # Depth-first order: the French sort keys of the names along the lineage.
    ordered = sorted(by_id.values(), key=lambda node: _path_key(node, by_id))
    options = [
        Option(
            node.slug,
            node.name,
            counts.get(node.pk, 0),
            node.slug == chosen[name],
            depth=len(node.lineage) - 1,
        )  # fmt: skip
        for node in ordered
    ]
    return Facet(name, label, options)


def _path_key(node, by_id):
    return [by_id[pk].sort_key if pk in by_id else "" for pk in node.lineage]


def _actor_facet(counts, chosen):
    top = sorted(counts, key=lambda pk: -counts[pk])[:ACTOR_OPTIONS]
    organisations = Organisation.objects.published().filter(pk__in=top) | (
        Organisation.objects.published().filter(slug=chosen["acteur"])
    )
    options = [
        Option(org.slug, org.name, counts.get(org.pk, 0), org.slug == chosen["acteur"])
        for org in organisations.order_by("sort_key").only("pk", "name", "slug")
    ]
    return Facet("acteur", "Acteur", options, "Tous")
