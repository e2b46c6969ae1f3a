"""Keeps `initiatives.Listing`, the table of public initiatives, in step with what it is built
from: every change that can alter a row rebuilds the rows it touches, in the same transaction,
so the public never sees a listing older than the last committed change.

It lives here because a row gathers the initiative (its publication and that of its ancestors,
its themes and territories with their trees) and its actors (published organisations and
people, and their roles). Writes that bypass the ORM (raw SQL, `bulk_create`) must call
`refresh()` themselves, or run `manage.py refresh_listing`.
"""

from django.db import connection, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from actors.models import Involvement, Organisation, Person
from initiatives.models import (
    Initiative,
    Listing,
    ListingTotal,
    PublicationState,
    Territory,
    Theme,
)

# The rows of `chosen` are the initiatives to (re)list; everything else is looked up per row.
INSERT_ROWS = """
INSERT INTO initiatives_listing (
    initiative_id, is_top_level, kind, status, start, "end", sort_key, updated_at,
    themes, territories, organisations, roles, organisation_roles
)
SELECT
    i.id, i.parent_id IS NULL, i.kind, i.status, i.start, i."end", i.sort_key, i.updated_at,
    ARRAY(
        SELECT DISTINCT ancestor
        FROM initiatives_initiative_themes link
        JOIN initiatives_theme theme ON theme.id = link.theme_id
        CROSS JOIN LATERAL unnest(theme.lineage) AS ancestor
        WHERE link.initiative_id = i.id
    ),
    ARRAY(
        SELECT key FROM initiatives_initiative_territories link
        JOIN initiatives_territory territory ON territory.id = link.territory_id
        CROSS JOIN LATERAL unnest(territory.lineage) AS key
        WHERE link.initiative_id = i.id
        UNION
        SELECT successor.from_territory_id FROM initiatives_initiative_territories link
        JOIN initiatives_territory_successors successor
            ON successor.to_territory_id = link.territory_id
        WHERE link.initiative_id = i.id
        UNION
        SELECT successor.to_territory_id FROM initiatives_initiative_territories link
        JOIN initiatives_territory_successors successor
            ON successor.from_territory_id = link.territory_id
        WHERE link.initiative_id = i.id
    ),
    ARRAY(
        SELECT DISTINCT involvement.organisation_id
        FROM actors_involvement involvement
        JOIN actors_organisation organisation ON organisation.id = involvement.organisation_id
        WHERE involvement.initiative_id = i.id AND organisation.publication_state = %(published)s
    ),
    ARRAY(
        SELECT DISTINCT involvement.role
        FROM actors_involvement involvement
        LEFT JOIN actors_organisation organisation
            ON organisation.id = involvement.organisation_id
        LEFT JOIN actors_person person ON person.id = involvement.person_id
        WHERE involvement.initiative_id = i.id
            AND %(published)s IN (organisation.publication_state, person.publication_state)
    ),
    ARRAY(
        SELECT DISTINCT involvement.organisation_id || ':' || involvement.role
        FROM actors_involvement involvement
        JOIN actors_organisation organisation ON organisation.id = involvement.organisation_id
        WHERE involvement.initiative_id = i.id AND organisation.publication_state = %(published)s
    )
FROM initiatives_initiative i JOIN chosen ON chosen.id = i.id
"""
COUNTED = "kind, status, themes, territories, organisations, roles"

# The values of the rows in `changed` (deleted or inserted listing rows), a row each.
DELTAS = """
, deltas (column_name, key) AS (
    SELECT 'total', '' FROM changed
    UNION ALL SELECT 'kind', kind FROM changed
    UNION ALL SELECT 'status', status FROM changed
    UNION ALL SELECT 'themes', key::text FROM changed, unnest(themes) AS key
    UNION ALL SELECT 'territories', key::text FROM changed, unnest(territories) AS key
    UNION ALL SELECT 'organisations', key::text FROM changed, unnest(organisations) AS key
    UNION ALL SELECT 'roles', key FROM changed, unnest(roles) AS key
)
"""
# Those values taken from (sign "-") or added to the totals.
TOTALS = (
    DELTAS
    + """
INSERT INTO initiatives_listingtotal ("column", key, count)
SELECT column_name, key, {sign}COUNT(*) FROM deltas GROUP BY 1, 2
ON CONFLICT ("column", key) DO UPDATE SET count = initiatives_listingtotal.count + EXCLUDED.count
"""
)
# Refreshes take turns (until their transaction ends), so that no two of them rebuild the same
# row or count the same change twice.
LOCK = "SELECT pg_advisory_xact_lock(hashtext('registre.listing'))"


def refresh(initiative_ids=None, using="default"):
    """Rebuild the listing rows of these initiatives and of their descendants (all when None)."""
    if initiative_ids is not None:
        initiative_ids = [pk for pk in set(initiative_ids) if pk is not None]
        if not initiative_ids:
            return
    initiatives = Initiative.objects.using(using)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(LOCK)
        if initiative_ids is None:
            cursor.execute("DELETE FROM initiatives_listing")
            cursor.execute("DELETE FROM initiatives_listingtotal")
            public = initiatives.with_public_lineage()
        else:
            subtree = initiatives.filter(lineage__overlap=initiative_ids).values("pk")
            subtree_sql, subtree_params = subtree.query.sql_with_params()
            cursor.execute(
                f"WITH changed AS (DELETE FROM initiatives_listing "
                f"WHERE initiative_id IN ({subtree_sql}) RETURNING {COUNTED})"
                + TOTALS.format(sign="-"),
                subtree_params,
            )
            public = initiatives.with_public_lineage().filter(lineage__overlap=initiative_ids)
        public_sql, public_params = public.values("pk").query.sql_with_params()
        insert = INSERT_ROWS.replace("%(published)s", "%s")
        sql = (
            f"WITH chosen (id) AS ({public_sql}), changed AS ({insert} RETURNING {COUNTED})"
            + TOTALS.format(sign="")
        )
        count = insert.count("%s")
        cursor.execute(sql, [*public_params, *[PublicationState.PUBLISHED] * count])
    if initiative_ids is None:
        with connections[using].cursor() as cursor:
            cursor.execute("ANALYZE initiatives_listing")


def is_consistent():
    """Whether the listing holds exactly the public initiatives, and the totals its counts
    (a check for tests and operations)."""
    listed = set(Listing.objects.values_list("pk", flat=True))
    public = set(Initiative.objects.with_public_lineage().values_list("pk", flat=True))
    return listed == public and _stored_totals() == _counted_totals()


def _stored_totals():
    rows = ListingTotal.objects.filter(count__gt=0).values_list("column", "key", "count")
    return {(column, key): count for column, key, count in rows}


def _counted_totals():
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH changed AS (SELECT {COUNTED} FROM initiatives_listing)"
            + DELTAS
            + "SELECT column_name, key, COUNT(*) FROM deltas GROUP BY 1, 2"
        )
        return {(column, key): count for column, key, count in cursor.fetchall()}


# What each change touches ---------------------------------------------------------------------

# For each tree, the table linking initiatives to its nodes and the name of the node there.
TREE_LINKS = {
    Theme: (Initiative.themes.through, "theme"),
    Territory: (Initiative.territories.through, "territory"),
}
ACTOR_FIELDS = {Organisation: "organisation", Person: "person"}


def _initiatives_of_actor(actor):
    involvements = Involvement.objects.filter(**{ACTOR_FIELDS[type(actor)]: actor.pk})
    return list(involvements.values_list("initiative_id", flat=True))


def _initiatives_under(node):
    """Initiatives filed under this theme or territory or below it."""
    through, field = TREE_LINKS[type(node)]
    links = through.objects.filter(**{f"{field}__lineage__contains": [node.pk]})
    return list(links.values_list("initiative_id", flat=True).distinct())


def _on_initiative_saved(sender, instance, **kwargs):
    refresh([instance.pk])


def _on_links_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Themes or territories of initiatives changed, from either side."""
    if action == "pre_clear" and reverse:
        _through, field = TREE_LINKS[type(instance)]
        links = sender.objects.filter(**{field: instance.pk})
        instance._listing_pending = list(links.values_list("initiative_id", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        refresh([instance.pk])
    else:
        refresh(list(pk_set or ()) + getattr(instance, "_listing_pending", []))


def _remember_parent(sender, instance, **kwargs):
    """A moved theme or territory changes the arrays of everything filed below it."""
    if instance.pk:
        old = sender.objects.filter(pk=instance.pk).values_list("parent_id", flat=True).first()
        instance._listing_moved = old != instance.parent_id
    else:
        instance._listing_moved = False


def _on_node_saved(sender, instance, **kwargs):
    if getattr(instance, "_listing_moved", False):
        refresh(_initiatives_under(instance))


def _before_node_deleted(sender, instance, **kwargs):
    instance._listing_pending = _initiatives_under(instance)


def _on_successors_changed(sender, instance, action, pk_set, **kwargs):
    if action in ("pre_clear",):
        instance._listing_successors = list(
            instance.successors.values_list("pk", flat=True)
        ) + list(instance.predecessors.values_list("pk", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    territories = [instance.pk, *(pk_set or ()), *getattr(instance, "_listing_successors", [])]
    links = Initiative.territories.through.objects.filter(territory__in=territories)
    refresh(list(links.values_list("initiative_id", flat=True)))


def _remember_involvement(sender, instance, **kwargs):
    if instance.pk:
        instance._listing_previous = (
            Involvement.objects.filter(pk=instance.pk)
            .values_list("initiative_id", flat=True)
            .first()
        )


def _on_involvement_changed(sender, instance, **kwargs):
    refresh([instance.initiative_id, getattr(instance, "_listing_previous", None)])


def _before_actor_deleted(sender, instance, **kwargs):
    instance._listing_pending = _initiatives_of_actor(instance)


def _on_actor_saved(sender, instance, **kwargs):
    refresh(_initiatives_of_actor(instance))


def _on_pending(sender, instance, **kwargs):
    refresh(getattr(instance, "_listing_pending", []))


def connect_signals():
    uid = "listing"
    post_save.connect(_on_initiative_saved, sender=Initiative, dispatch_uid=f"{uid}-initiative")
    for node, (through, _field) in TREE_LINKS.items():
        m2m_changed.connect(_on_links_changed, sender=through, dispatch_uid=f"{uid}-{through}")
        pre_save.connect(_remember_parent, sender=node, dispatch_uid=f"{uid}-{node}-pre")
        post_save.connect(_on_node_saved, sender=node, dispatch_uid=f"{uid}-{node}-save")
        pre_delete.connect(_before_node_deleted, sender=node, dispatch_uid=f"{uid}-{node}-pre-del")
        post_delete.connect(_on_pending, sender=node, dispatch_uid=f"{uid}-{node}-del")
    m2m_changed.connect(
        _on_successors_changed, sender=Territory.successors.through, dispatch_uid=f"{uid}-succ"
    )
    pre_save.connect(_remember_involvement, sender=Involvement, dispatch_uid=f"{uid}-inv-pre")
    post_save.connect(_on_involvement_changed, sender=Involvement, dispatch_uid=f"{uid}-inv")
    post_delete.connect(_on_involvement_changed, sender=Involvement, dispatch_uid=f"{uid}-inv-d")
    for actor in ACTOR_FIELDS:
        post_save.connect(_on_actor_saved, sender=actor, dispatch_uid=f"{uid}-{actor}")
        pre_delete.connect(_before_actor_deleted, sender=actor, dispatch_uid=f"{uid}-{actor}-pd")
        post_delete.connect(_on_pending, sender=actor, dispatch_uid=f"{uid}-{actor}-d")
