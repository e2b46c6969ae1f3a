"""Networks of actors: bounded in nodes and in queries, public records only, drawn and tabled."""

import re

import pytest

from actors import network as organisation_module
from actors.models import Involvement
from actors.network import organisation_network
from initiatives import network as programme_module
from initiatives.models import Initiative, PublicationState
from initiatives.network import (
    HEIGHT,
    WIDTH,
    Edge,
    Network,
    Node,
    layout,
    overlap,
    programme_network,
)
from tests.support.factories import kept_until_the_end, new_initiative, new_organisation

pytestmark = pytest.mark.django_db

# Smaller limits than the page's keep the registry built here small; the query reads them.
FIRST_STEP, SECOND_STEP, PER_PARTNER = 4, 5, 2


@pytest.fixture(autouse=True)
def limits(monkeypatch):
    for name in ("FIRST_STEP", "SECOND_STEP", "PER_PARTNER"):
        monkeypatch.setattr(organisation_module, name, globals()[name])
    monkeypatch.setattr(programme_module, "PROGRAMME_ORGANISATIONS", 6)


def share(initiative, *pairs):
    for organisation, role in pairs:
        Involvement.objects.create(initiative=initiative, organisation=organisation, role=role)


@pytest.fixture(scope="class")
def crowded(django_db_setup, django_db_blocker):
    """Built once for the class of tests that read it (what a test adds goes with it)."""
    with kept_until_the_end(django_db_blocker):
        yield build_crowded()


def build_crowded():
    """A region sharing initiatives with FIRST_STEP + 3 partners (partner k in k + 1 of them),
    each partner working with PER_PARTNER + 2 organisations of its own; plus a draft partner,
    a partner met only in a draft initiative, and one met only in the child of a draft."""
    region = new_organisation("Région")
    partners = []
    for k in range(FIRST_STEP + 3):
        partner = new_organisation(f"Partenaire {k:02d}")
        partners.append(partner)
        for _ in range(k + 1):
            share(new_initiative(), (region, "funder"), (partner, "pilot"))
        for j in range(PER_PARTNER + 2):
            further = new_organisation(f"Plus loin {k:02d}-{j}")
            share(new_initiative(), (partner, "pilot"), (further, "partner"))
    hidden = new_organisation("Partenaire brouillon", state=PublicationState.DRAFT)
    share(new_initiative(), (region, "funder"), (hidden, "pilot"))
    draft = new_initiative("Brouillon", state=PublicationState.DRAFT)
    child = new_initiative("Enfant d'un brouillon", parent=draft)
    in_draft, in_child = new_organisation("Dans un brouillon"), new_organisation("Dans l'enfant")
    share(draft, (region, "funder"), (in_draft, "pilot"))
    share(child, (region, "funder"), (in_child, "pilot"))
    return region, partners


class TestACrowdedRegion:
    def test_organisation_network_keeps_the_strongest_links_within_its_limits(self, crowded):
        region, partners = crowded
        network = organisation_network(region)
        first = [node for node in network.nodes if node.step == 1]
        second = [node for node in network.nodes if node.step == 2]
        assert network.limited
        assert [node.label for node in first] == [
            partner.name for partner in reversed(partners[-FIRST_STEP:])
        ]
        assert [node.shared for node in first] == list(range(FIRST_STEP + 3, 3, -1))
        assert first[0].roles == ["Pilote"]
        assert len(second) == SECOND_STEP
        assert all(node.label.startswith("Plus loin") for node in second)
        by_partner = {}
        for node in second:
            by_partner[node.via] = by_partner.get(node.via, 0) + 1
        assert max(by_partner.values()) <= PER_PARTNER
        names = {node.label for node in network.nodes}
        assert not names & {"Partenaire brouillon", "Dans un brouillon", "Dans l'enfant", "Région"}
        assert len(network.edges) == FIRST_STEP + SECOND_STEP
        assert {edge.label for edge in network.edges} == {"Pilote", "Partenaire"}

    def test_organisation_network_reads_only_the_latest_initiatives(
        self, crowded, make_organisation, make_initiative, monkeypatch
    ):
        region, _ = crowded
        latest = make_organisation("Dernier partenaire")
        for _ in range(FIRST_STEP + 5):
            share(make_initiative(), (region, "funder"), (latest, "partner"))
        assert organisation_network(region).nodes[0].label == "Dernier partenaire"
        monkeypatch.setattr(organisation_module, "RECENT", FIRST_STEP + 5)
        network = organisation_network(region)
        assert [node.label for node in network.nodes if node.step == 1] == ["Dernier partenaire"]

    def test_organisation_network_is_one_query_whatever_its_size(
        self, crowded, make_organisation, django_assert_num_queries
    ):
        region, alone = crowded[0], make_organisation("Isolée")
        with django_assert_num_queries(1):
            assert organisation_network(region)
        with django_assert_num_queries(1):
            assert not organisation_network(alone)

    def test_layout_puts_every_node_apart_and_inside_the_drawing(self, crowded):
        network = organisation_network(crowded[0])
        points = [(node.x, node.y) for node in [network.centre, *network.nodes]]
        assert len(set(points)) == len(points)
        assert all(0 < x < WIDTH and 0 < y < HEIGHT for x, y in points)
        assert network.nodes[0].x == WIDTH / 2 and network.nodes[0].y < HEIGHT / 2  # top

    def test_organisation_page_draws_its_network_with_a_sortable_table(self, client, crowded):
        region, partners = crowded
        response = client.get(region.get_absolute_url())
        html = response.content.decode()
        svg = html[html.index("<svg") : html.index("</svg>")]
        assert svg.count("<a href=") == 1 + FIRST_STEP + SECOND_STEP
        assert partners[-1].get_absolute_url() in svg
        assert "style=" not in svg and not re.search(r'[xy]="\d+,\d', svg)  # CSP, no French commas
        assert 'href="?tri=nom#network-table"' in html
        rows = response.context["network_rows"]
        assert rows[0].label == partners[-1].name
        by_name = client.get(region.get_absolute_url() + "?tri=nom")
        assert [row.label for row in by_name.context["network_rows"]] == sorted(
            row.label for row in rows
        )
        assert 'aria-sort="ascending">Nom</th>' in by_name.content.decode()

    def test_unknown_sort_is_a_400_with_a_french_message(self, client, crowded):
        response = client.get(crowded[0].get_absolute_url() + "?tri=hasard")
        assert response.status_code == 400
        assert "Ce tri n'existe pas\u202f:" in response.content.decode()


def test_partners_of_partners_come_from_the_partners_latest_initiatives(
    make_organisation, make_initiative, monkeypatch
):
    region, partner = make_organisation("Région"), make_organisation("Partenaire")
    share(make_initiative(), (region, "funder"), (partner, "pilot"))
    older, latest = make_organisation("Ancien"), make_organisation("Récent")
    for _ in range(3):
        share(make_initiative(), (partner, "pilot"), (older, "partner"))
    share(make_initiative(), (partner, "pilot"), (latest, "partner"))
    second = [node.label for node in organisation_network(region).nodes if node.step == 2]
    assert second == ["Ancien", "Récent"]
    monkeypatch.setattr(organisation_module, "PARTNER_RECENT", 1)
    second = [node.label for node in organisation_network(region).nodes if node.step == 2]
    assert second == ["Récent"]


@pytest.fixture
def programme(make_initiative, make_organisation):
    """A programme with three operations (one a draft), organisations in them and in the
    programme itself, and more organisations than drawn."""
    programme = make_initiative("Programme", kind=Initiative.Kind.PROGRAMME, acronym="TESR")
    operations = [
        make_initiative(f"Opération {n}", kind="operation", parent=programme) for n in range(2)
    ]
    draft = make_initiative("Opération brouillon", parent=programme, state="draft")
    funder = make_organisation("Financeur")
    share(programme, (funder, "funder"))
    pilot = make_organisation("Pilote des deux")
    for operation in operations:
        share(operation, (pilot, "pilot"), (funder, "funder"))
    share(draft, (make_organisation("Dans le brouillon"), "pilot"))
    share(operations[0], (make_organisation("Brouillon", state="draft"), "partner"))
    for n in range(programme_module.PROGRAMME_ORGANISATIONS):
        share(operations[1], (make_organisation(f"Partenaire {n:02d}"), "partner"))
    return programme


def test_programme_network_links_operations_and_organisations_by_role(programme):
    children = Initiative.objects.published().filter(parent=programme).order_by("sort_key")
    network = programme_network(programme, children)
    labels = [node.label for node in network.nodes]
    assert network.centre.label == "TESR"
    assert labels[:2] == ["Opération 0", "Opération 1"]
    assert labels[2:4] == ["Financeur", "Pilote des deux"]  # most links first
    assert len(labels) == 2 + programme_module.PROGRAMME_ORGANISATIONS and network.limited
    assert not {"Dans le brouillon", "Brouillon", "Opération brouillon"} & set(labels)
    funder = network.nodes[2]
    assert funder.shared == 3 and funder.roles == ["Financeur"] and funder.step == 2
    assert {(e.source.label, e.label) for e in network.edges if e.target is funder} == {
        ("TESR", "Financeur"),
        ("Opération 0", "Financeur"),
        ("Opération 1", "Financeur"),
    }


def test_programme_page_draws_its_network_in_one_more_query(client, programme):
    response = client.get(programme.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200 and 'id="network-title"' in html
    assert "Liens</a></th>" in html


def test_partners_tied_in_strength_keep_their_own_partners(make_organisation, make_initiative):
    centre = make_organisation("Centre")
    for k in range(FIRST_STEP + 2):  # all tied: one initiative each, names against id order
        partner = make_organisation(f"Partenaire {FIRST_STEP + 2 - k:02d}")
        share(make_initiative(), (centre, "funder"), (partner, "pilot"))
        share(make_initiative(), (partner, "pilot"), (make_organisation(f"Loin {k}"), "partner"))
    network = organisation_network(centre)
    drawn = {node.label for node in network.nodes if node.step == 1}
    assert len(drawn) == FIRST_STEP
    assert {node.via for node in network.nodes if node.step == 2} <= drawn


def test_no_label_is_written_over_another():
    """Twelve partners of one partner crowd the top of the second ring: their names are moved
    apart (the estimate of their boxes is generous)."""
    centre = Node("c", "Conseil régional des Hauts-de-France", "/c/", "organisation")
    partner = Node("p", "Conseil régional Nord-Pas-de-Calais", "/p/", "organisation", step=1)
    others = [
        Node(f"o{n}", f"Organisation partenaire numéro {n}", f"/o{n}/", "organisation", step=2,
             roles=["Partenaire", "Membre fondateur"])
        for n in range(12)
    ]  # fmt: skip
    edges = [Edge(centre, partner, ["Pilote"])] + [Edge(partner, o, ["Partenaire"]) for o in others]
    network = layout(Network(centre, [partner, *others], edges))
    boxes = [node.label_box for node in [centre, *network.nodes]]
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if overlap(a, b)]
    assert network.top <= min(box[1] for box in boxes)
    assert network.top + network.drawn_height >= max(box[3] for box in boxes)
