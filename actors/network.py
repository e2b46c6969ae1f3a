"""An organisation's network: the public organisations sharing public initiatives with it, one
or two steps away, only the strongest links, in one query bounded whatever the registry's size.
"""

from django.db import connection
from django.urls import reverse

from actors.models import Involvement, Organisation
from initiatives.models import Initiative
from initiatives.network import Edge, Network, Node, layout, role_labels

# Each organisation is read through its latest recorded public initiatives only (walked
# backwards on the index of its involvements, never sorted whole): a funder of 100,000
# initiatives costs what one of RECENT costs, and its recent partners are its links.
RECENT = 200
# A partner's own partners are read through fewer of its initiatives: twelve partners walked
# as deep as the organisation itself were most of the query at a million initiatives.
PARTNER_RECENT = 50
FIRST_STEP = 12  # strongest partners drawn around the organisation
SECOND_STEP = 12  # partners of partners drawn on the outer ring
PER_PARTNER = 4  # at most this many second-step organisations reached through one partner


def organisation_network(organisation):
    with connection.cursor() as cursor:
        cursor.execute(*network_query(organisation))
        rows = cursor.fetchall()
    return network_from(organisation, rows)


def network_query(organisation):
    public, params = (
        Organisation.objects.published().order_by().values("pk").query.sql_with_params()
    )
    # A probe by primary key a row: an IN over the published organisations would read them all.
    public_organisation = (
        f"EXISTS (SELECT 1 FROM ({public}) AS p (id) WHERE p.id = v.organisation_id)"
    )
    involvements = Involvement._meta.db_table
    initiatives = Initiative._meta.db_table

    def recent(organisation_id, limit):
        return f"""
            SELECT DISTINCT mine.initiative_id AS id FROM {involvements} mine
            JOIN {initiatives} i ON i.id = mine.initiative_id
            WHERE mine.organisation_id = {organisation_id} AND i.is_public
            ORDER BY mine.initiative_id DESC LIMIT {limit}
        """

    sql = f"""
        WITH partners AS (
            SELECT v.organisation_id AS org, count(DISTINCT v.initiative_id) AS n,
                   array_agg(DISTINCT v.role) AS roles
            FROM ({recent("%s", RECENT)}) r JOIN {involvements} v ON v.initiative_id = r.id
            WHERE v.organisation_id <> %s AND {public_organisation}
            GROUP BY v.organisation_id ORDER BY n DESC, org LIMIT {FIRST_STEP + 1}
        ), further AS (
            SELECT DISTINCT ON (s.org) f.org AS via, s.org, s.n, s.roles
            FROM (SELECT org FROM partners ORDER BY n DESC, org LIMIT {FIRST_STEP}) f
            CROSS JOIN LATERAL (
                SELECT v.organisation_id AS org, count(DISTINCT v.initiative_id) AS n,
                       array_agg(DISTINCT v.role) AS roles
                FROM ({recent("f.org", PARTNER_RECENT)}) r
                JOIN {involvements} v ON v.initiative_id = r.id
                WHERE v.organisation_id <> %s AND v.organisation_id <> f.org
                  AND v.organisation_id NOT IN (SELECT org FROM partners)
                  AND {public_organisation}
                GROUP BY v.organisation_id ORDER BY n DESC, org LIMIT {PER_PARTNER}
            ) s
            ORDER BY s.org, s.n DESC, f.org
        ), second_top AS (
            SELECT * FROM further ORDER BY n DESC, org LIMIT {SECOND_STEP + 1}
        )
        SELECT 1 AS step, NULL AS via, f.org, f.n, f.roles, o.name, o.slug FROM partners f
        JOIN {Organisation._meta.db_table} o ON o.id = f.org
        UNION ALL
        SELECT 2, s.via, s.org, s.n, s.roles, o.name, o.slug FROM second_top s
        JOIN {Organisation._meta.db_table} o ON o.id = s.org
        ORDER BY 1, 4 DESC, 3
    """
    return sql, [organisation.pk, organisation.pk, *params, organisation.pk, *params]


def network_from(organisation, rows):
    # Rows in the order the query ranked them (strength, then id), so that the partners kept
    # here are those whose own partners the query looked for.
    centre = Node(f"o{organisation.pk}", organisation.name, organisation.get_absolute_url(), "")
    # One row more than drawn on each ring says whether the registry holds more.
    first = [row for row in rows if row[0] == 1]
    second = [row for row in rows if row[0] == 2]
    limited = len(first) > FIRST_STEP or len(second) > SECOND_STEP
    nodes, edges, by_pk = [], [], {}
    for step, via, pk, shared, roles, name, slug in first[:FIRST_STEP] + second[:SECOND_STEP]:
        url = reverse("actors:organisation", args=[slug])
        labels = role_labels(roles)
        node = Node(f"o{pk}", name, url, "organisation", step, shared, labels)
        source = by_pk[via] if step == 2 else centre
        node.via = source.label if step == 2 else ""
        by_pk[pk] = node
        nodes.append(node)
        edges.append(Edge(source, node, labels, shared))
    return layout(Network(centre, nodes, edges, limited=limited))
