"""Networks of actors drawn by us: a bounded graph, a radial layout computed on the server, and
what the SVG and its table need.

The layout is concentric on purpose: the page's record in the middle, what is one step away on
the first ring (strongest first, from the top, clockwise), two steps away on the second ring,
each node near the nodes it is linked to. It is deterministic, needs no numerical library and
never overlaps two nodes of a ring, which a force layout cannot promise on 25 nodes.
"""

import math
from dataclasses import dataclass, field

from django.db import connection
from django.urls import reverse

from initiatives.models import Initiative
from initiatives.typography import french_spacing

WIDTH, HEIGHT = 1200, 660
RINGS = (0, 150, 270)  # radius of the centre, the first ring, the second ring
STRETCH = 1.25  # rings are ellipses: labels are wider than tall
LABEL_LENGTH = 22
SECOND_RING_GAP = math.radians(20)
MARGIN = 60  # above the highest node and below the lowest: room for their labels
# The sizes of .network__label and .network__role (site.css), and a generous mean width of a
# character in them: enough to tell when two labels would be written over each other.
LABEL_SIZE, ROLE_SIZE, CHARACTER_WIDTH = 20, 15, 0.56

# A programme's network: its first operations, and the organisations most involved in them.
PROGRAMME_CHILDREN = 12
PROGRAMME_ORGANISATIONS = 24
# Initiatives whose page draws their actors even without children (a network's members).
DRAWN_KINDS = (Initiative.Kind.PROGRAMME, Initiative.Kind.NETWORK)


@dataclass
class Node:
    key: str
    label: str
    url: str
    kind: str  # "organisation" or "initiative"
    step: int = 0
    shared: int = 0  # initiatives shared with the centre, or links within the programme
    roles: list = field(default_factory=list)  # role labels, in the order of Involvement.Role
    via: str = ""  # label of the node this one is reached through (second step)
    x: float = 0
    y: float = 0
    label_shift: float = 0  # moved up or down, off another node's label

    def __post_init__(self):
        # Names are plain text: spaced the French way here, escaped by the template.
        self.label = french_spacing(str(self.label))

    @property
    def short_label(self):
        if len(self.label) <= LABEL_LENGTH:
            return self.label
        return self.label[: LABEL_LENGTH - 1].rstrip() + "…"

    @property
    def anchor(self):
        if abs(self.x - WIDTH / 2) < 8:
            return "middle"
        return "start" if self.x > WIDTH / 2 else "end"

    @property
    def label_x(self):
        return self.x + {"start": 14, "end": -14, "middle": 0}[self.anchor]

    @property
    def label_y(self):
        if self.anchor == "middle":
            return self.y + (32 if self.y >= HEIGHT / 2 else -36) + self.label_shift
        return self.y + 7 + self.label_shift

    @property
    def leader_y(self):
        """Where the line from a moved label's node meets the label: its edge nearer the node."""
        return self.label_y - LABEL_SIZE * 0.7 if self.label_shift > 0 else self.label_y + 4

    @property
    def label_box(self):
        """(left, top, right, bottom) of the name and the roles under it, estimated."""
        width = len(self.short_label) * LABEL_SIZE * CHARACTER_WIDTH
        if self.roles:
            width = max(width, len(", ".join(self.roles)) * ROLE_SIZE * CHARACTER_WIDTH)
        left = {"start": 0, "end": -width, "middle": -width / 2}[self.anchor] + self.label_x
        bottom = self.label_y + (ROLE_SIZE + 8 if self.roles else 6)
        return left, self.label_y - LABEL_SIZE, left + width, bottom


@dataclass
class Edge:
    source: Node
    target: Node
    roles: list
    weight: int = 1

    @property
    def label(self):
        return ", ".join(self.roles)

    @property
    def width(self):
        return round(min(1 + math.log2(self.weight), 6), 1)


@dataclass
class Network:
    centre: Node
    nodes: list  # without the centre
    edges: list
    limited: bool = False  # the registry holds more links than drawn

    @property
    def width(self):
        return WIDTH

    @property
    def height(self):
        return HEIGHT

    def __bool__(self):
        return bool(self.nodes)

    @property
    def top(self):
        """The drawing's top, cropped to its nodes and their labels (rings are often uneven)."""
        nodes = [self.centre, *self.nodes]
        return round(min(min(n.y - MARGIN, n.label_box[1] - 10) for n in nodes))

    @property
    def drawn_height(self):
        nodes = [self.centre, *self.nodes]
        bottom = max(max(n.y + MARGIN, n.label_box[3] + 10) for n in nodes)
        return round(bottom - self.top)

    def sorted_nodes(self, order):
        """The table's rows: by step then strength (default), by name, or by strength."""
        if order == "nom":
            return sorted(self.nodes, key=lambda n: n.label.casefold())
        if order == "initiatives":
            return sorted(self.nodes, key=lambda n: (-n.shared, n.step, n.label.casefold()))
        return self.nodes


SORT_ORDERS = ("", "nom", "initiatives")


def role_labels(roles):
    """Role codes as their names, in the order of Involvement.Role, each once."""
    choices = Initiative._meta.get_field("involvements").related_model.Role
    return [str(label) for value, label in choices.choices if value in set(roles)]


def layout(network):
    """Places the centre, then each ring: the first in the given order from the top clockwise,
    the next ones sorted by the mean angle of their neighbours on the ring inside."""
    centre = network.centre
    centre.x, centre.y = WIDTH / 2, HEIGHT / 2
    neighbours = {}
    for edge in network.edges:
        neighbours.setdefault(edge.source.key, []).append(edge.target)
        neighbours.setdefault(edge.target.key, []).append(edge.source)
    angles = {centre.key: None}
    for step in (1, 2):
        ring = [node for node in network.nodes if node.step == step]
        if not ring:
            continue
        if step == 1:
            placed = [2 * math.pi * index / len(ring) for index in range(len(ring))]
        else:
            ring.sort(key=lambda node: preferred_angle(node, neighbours, angles, step))
            preferred = [preferred_angle(node, neighbours, angles, step) for node in ring]
            placed = fan(preferred, min(2 * math.pi / len(ring), SECOND_RING_GAP))
        radius = RINGS[step]
        for node, angle in zip(ring, placed, strict=True):
            angles[node.key] = angle
            node.x = round(WIDTH / 2 + STRETCH * radius * math.sin(angle), 1)
            node.y = round(HEIGHT / 2 - radius * math.cos(angle), 1)
    separate_labels([centre, *network.nodes])
    return network


def separate_labels(nodes):
    """Each label in turn (inner rings first) moved away from the centre, a line at a time,
    until it no longer covers a label already written: the second ring's names crowd where
    the ring runs flat, at its top and bottom."""
    written = []
    for node in nodes:
        outward = -1 if node.y < HEIGHT / 2 else 1
        for _attempt in range(8):
            if not any(overlap(node.label_box, box) for box in written):
                break
            node.label_shift += outward * (LABEL_SIZE + 2)
        written.append(node.label_box)


def overlap(one, other):
    return one[0] < other[2] and other[0] < one[2] and one[1] < other[3] and other[1] < one[3]


def fan(preferred, gap):
    """Angles as close as can be to the preferred ones (sorted), at least `gap` apart: each
    group pushed apart around where it wanted to be, never straight behind an inner node."""
    placed = []
    for angle in preferred:
        placed.append(max(angle, placed[-1] + gap) if placed else angle)
    shift = (sum(placed) - sum(preferred)) / len(placed)
    if len(placed) % 2:
        shift -= gap / 2  # an odd group would put its middle node behind the inner one
    return [angle - shift for angle in placed]


def preferred_angle(node, neighbours, angles, step):
    inner = [
        angles[other.key]
        for other in neighbours.get(node.key, [])
        if other.step == step - 1 and angles.get(other.key) is not None
    ]
    if not inner:
        return 0
    angle = math.atan2(sum(map(math.sin, inner)), sum(map(math.cos, inner)))
    return angle % (2 * math.pi)


def programme_network(programme, children):
    """The programme, its first public children and the public organisations most involved in
    them (or in the programme itself), each link labelled by the organisation's roles there.

    One query whatever the registry's size: the children come from the page's prefetch, and the
    organisations are ranked and cut in the database.
    """
    children = list(children[:PROGRAMME_CHILDREN])
    involvement = Initiative._meta.get_field("involvements").related_model
    organisation = involvement._meta.get_field("organisation").related_model
    public = organisation.objects.published().order_by().values("pk")
    public, params = public.query.sql_with_params()
    ids = [programme.pk, *(child.pk for child in children)]
    sql = f"""
        WITH links AS (
            SELECT v.organisation_id AS org, v.initiative_id AS ini,
                   array_agg(DISTINCT v.role) AS roles
            FROM {involvement._meta.db_table} v
            WHERE v.initiative_id = ANY(%s) AND v.organisation_id IN ({public})
            GROUP BY 1, 2
        ), top AS (
            SELECT org, count(*) AS n FROM links GROUP BY org ORDER BY n DESC, org LIMIT %s
        )
        SELECT o.id, o.name, o.slug, l.ini, l.roles, t.n,
               (SELECT count(DISTINCT org) FROM links) AS total
        FROM top t JOIN links l ON l.org = t.org
        JOIN {organisation._meta.db_table} o ON o.id = t.org
        ORDER BY t.n DESC, o.sort_key, o.id, l.ini
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, *params, PROGRAMME_ORGANISATIONS])
        rows = cursor.fetchall()
    centre = Node(
        f"i{programme.pk}",
        programme.acronym or programme.title_i18n,
        programme.get_absolute_url(),
        "initiative",
    )
    by_initiative = {programme.pk: centre}
    nodes = []
    for child in children:
        node = Node(
            f"i{child.pk}",
            child.acronym or child.title_i18n,
            child.get_absolute_url(),
            "initiative",
        )
        node.step = 1
        by_initiative[child.pk] = node
        nodes.append(node)
    organisations, codes, edges = {}, {}, []
    total = rows[0][-1] if rows else 0
    for pk, name, slug, initiative_pk, roles, links, _total in rows:
        if pk not in organisations:
            url = reverse("actors:organisation", args=[slug])
            organisations[pk] = Node(f"o{pk}", name, url, "organisation", shared=links)
        node = organisations[pk]
        codes.setdefault(pk, set()).update(roles)
        edges.append(Edge(by_initiative[initiative_pk], node, role_labels(roles)))
    for pk, node in organisations.items():
        node.roles = role_labels(codes[pk])
        # Linked to the programme only: on the first ring, as its operations are.
        inner = {edge.source.key for edge in edges if edge.target is node}
        node.step = 1 if inner == {centre.key} else 2
        node.via = ", ".join(
            edge.source.label for edge in edges if edge.target is node and edge.source is not centre
        )
    for node in nodes:
        node.shared = sum(1 for edge in edges if edge.source is node)
    nodes += organisations.values()
    for child in children:
        edges.insert(0, Edge(centre, by_initiative[child.pk], []))
    network = Network(centre, nodes, edges, limited=total > len(organisations))
    return layout(network)
