"""Random sequences of writes through every path (save, QuerySet.update(), raw SQL, bulk_create,
cascading deletes, links from either side, actors, territory successions, an import): after
each step, what the public is shown equals the publication rule computed afresh."""

import json
import os
import re

import pytest
from django.core.cache import caches
from django.db import connection, connections, transaction
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from tablib import Dataset

from actors import listing
from actors.models import Involvement, Organisation
from initiatives.models import Initiative, ListingTotal, PublicationState, Territory, Theme
from initiatives.resources import InitiativeResource

pytestmark = pytest.mark.django_db

STATES = list(PublicationState.values)
SIZE = 6  # initiatives in the starting registry
SITEMAP_SLUG = re.compile(r"<loc>[^<]*/initiatives/([^/<]+)/</loc>")
RESULTS_TITLE = re.compile(r'id="resultats" tabindex="-1">\s*([^<]*?)\s*initiatives?\b')


def build_registry():
    """The starting registry, built once; each sequence runs in a savepoint rolled back after
    it, so every sequence starts from it."""
    region = Territory.objects.create(name="Région", slug="region-sm", kind="region")
    territories = [region] + [
        Territory.objects.create(
            name=f"Commune {n}", slug=f"commune-sm-{n}", kind="commune", parent=region
        )
        for n in range(3)
    ]
    root = Theme.objects.create(name="Thème", slug="theme-sm")
    themes = [root, Theme.objects.create(name="Sous-thème", slug="sous-sm", parent=root)]
    organisations = [
        Organisation.objects.create(
            name=f"Organisation {n}",
            slug=f"org-sm-{n}",
            kind="association",
            publication_state=PublicationState.PUBLISHED,
        )  # fmt: skip
        for n in range(2)
    ]
    parent = None
    for n in range(SIZE):
        parent = Initiative.objects.create(
            title=f"Initiative {n}", slug=f"init-sm-{n}", kind="project",
            publication_state=PublicationState.PUBLISHED, parent=parent if n % 2 else None,
        )  # fmt: skip
    return territories, themes, organisations


class PublicRegistry(RuleBasedStateMachine):
    registry = None  # (territories, themes, organisations), set by the test
    client = None

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        # The versions go back with the savepoint: pages cached by the last sequence must go,
        # and so must its requests' rate-limit counts (kept outside the savepoint, on the
        # cache's connection): a sequence sends requests as a fresh client would.
        caches["local"].clear()
        caches["default"].clear()
        with connections["cache"].cursor() as cursor:
            cursor.execute("DELETE FROM portal_windowcount")
        self.territories, self.themes, self.organisations = self.registry
        for organisation in self.organisations:
            organisation.refresh_from_db()
        self.themes[1].refresh_from_db()
        self.serial = SIZE

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # Helpers ---------------------------------------------------------------------------------

    def _ids(self):
        return list(Initiative.objects.order_by("pk").values_list("pk", flat=True))

    def _pick(self, index):
        ids = self._ids()
        return Initiative.objects.get(pk=ids[index % len(ids)]) if ids else None

    def _sql(self, statement, params):
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    # Writes ------------------------------------------------------------------------------------

    @rule(index=st.integers(0, 50), state=st.sampled_from(STATES))
    def save_state(self, index, state):
        initiative = self._pick(index)
        initiative.set_publication_state(state)
        initiative.save()

    @rule(index=st.integers(0, 50), state=st.sampled_from(STATES))
    def update_state(self, index, state):
        Initiative.objects.filter(pk=self._pick(index).pk).update(publication_state=state)

    @rule(index=st.integers(0, 50), state=st.sampled_from(STATES))
    def raw_sql_state(self, index, state):
        self._sql(
            "UPDATE initiatives_initiative SET publication_state = %s WHERE id = %s",
            [state, self._pick(index).pk],
        )

    @rule(
        index=st.integers(0, 50), parent=st.integers(0, 50), how=st.sampled_from(["save", "update"])
    )
    def move(self, index, parent, how):
        initiative, new_parent = self._pick(index), self._pick(parent)
        if initiative.pk in new_parent.lineage:
            return  # the database refuses cycles (tested elsewhere)
        if how == "save":
            initiative.parent = new_parent
            initiative.save()
        else:
            Initiative.objects.filter(pk=initiative.pk).update(parent=new_parent)

    @rule(index=st.integers(0, 50))
    def make_top_level(self, index):
        Initiative.objects.filter(pk=self._pick(index).pk).update(parent=None)

    @precondition(lambda self: Initiative.objects.count() > 2)
    @rule(index=st.integers(0, 50), how=st.sampled_from(["orm", "sql"]))
    def delete_leaf(self, index, how):
        leaves = list(
            Initiative.objects.filter(children__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        pk = leaves[index % len(leaves)]
        if how == "orm":
            Initiative.objects.get(pk=pk).delete()
        else:
            for table in ("initiatives_initiative_themes", "initiatives_initiative_territories",
                          "actors_involvement"):  # fmt: skip
                self._sql(f"DELETE FROM {table} WHERE initiative_id = %s", [pk])
            self._sql("DELETE FROM initiatives_initiative WHERE id = %s", [pk])

    @rule(parent=st.integers(0, 50), state=st.sampled_from(STATES), count=st.integers(1, 3))
    def bulk_create(self, parent, state, count):
        under = self._pick(parent)
        objects = []
        for _ in range(count):
            self.serial += 1
            objects.append(
                Initiative(
                    title=f"En lot {self.serial}",
                    slug=f"lot-sm-{self.serial}",
                    kind="project",
                    publication_state=state,
                    parent=under,
                )  # fmt: skip
            )
        Initiative.objects.bulk_create(objects)

    @rule(index=st.integers(0, 50), theme=st.integers(0, 1), add=st.booleans(),
          side=st.sampled_from(["initiative", "theme", "sql"]))  # fmt: skip
    def link_theme(self, index, theme, add, side):
        initiative, node = self._pick(index), self.themes[theme]
        if side == "initiative":
            (initiative.themes.add if add else initiative.themes.remove)(node)
        elif side == "theme":
            (node.initiative_set.add if add else node.initiative_set.remove)(initiative)
        elif add:
            self._sql(
                "INSERT INTO initiatives_initiative_themes (initiative_id, theme_id) "
                "VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [initiative.pk, node.pk],
            )
        else:
            self._sql(
                "DELETE FROM initiatives_initiative_themes WHERE initiative_id = %s",
                [initiative.pk],
            )

    @rule(index=st.integers(0, 50), territory=st.integers(0, 3), add=st.booleans())
    def link_territory(self, index, territory, add):
        initiative, node = self._pick(index), self.territories[territory]
        (initiative.territories.add if add else initiative.territories.remove)(node)

    @rule(theme_parent=st.booleans())
    def move_theme(self, theme_parent):
        leaf = self.themes[1]
        leaf.parent = self.themes[0] if theme_parent else None
        leaf.save()

    @rule(first=st.integers(1, 3), second=st.integers(1, 3), add=st.booleans())
    def merge_territories(self, first, second, add):
        if first == second:
            return
        source, target = self.territories[first], self.territories[second]
        (source.successors.add if add else source.successors.remove)(target)

    @rule(
        index=st.integers(0, 50),
        organisation=st.integers(0, 1),
        role=st.sampled_from(["pilot", "funder"]),
    )
    def involve(self, index, organisation, role):
        Involvement.objects.create(
            initiative=self._pick(index), organisation=self.organisations[organisation], role=role
        )

    @rule(index=st.integers(0, 50), how=st.sampled_from(["orm", "sql"]))
    def drop_involvement(self, index, how):
        involvements = list(Involvement.objects.order_by("pk").values_list("pk", flat=True))
        if not involvements:
            return
        pk = involvements[index % len(involvements)]
        if how == "orm":
            Involvement.objects.get(pk=pk).delete()
        else:
            self._sql("DELETE FROM actors_involvement WHERE id = %s", [pk])

    @rule(
        organisation=st.integers(0, 1),
        state=st.sampled_from(STATES),
        how=st.sampled_from(["save", "update"]),
    )
    def actor_state(self, organisation, state, how):
        record = self.organisations[organisation]
        if how == "save":
            record.refresh_from_db()
            record.set_publication_state(state)
            record.save()
        else:
            Organisation.objects.filter(pk=record.pk).update(publication_state=state)

    @rule(state=st.sampled_from(["draft", "review"]), parent=st.integers(0, 50))
    def import_rows(self, state, parent):
        self.serial += 1
        dataset = Dataset(
            headers=["title", "slug", "kind", "status", "publication_state", "parent"]
        )
        dataset.append(
            [f"Importée {self.serial}", f"import-sm-{self.serial}", "project", "ongoing", state,
             self._pick(parent).slug]
        )  # fmt: skip
        result = InitiativeResource().import_data(dataset, dry_run=False, raise_errors=True)
        assert not result.has_errors()

    # What the public is shown ------------------------------------------------------------------

    @invariant()
    def public_equals_the_rule(self):
        rule = dict(Initiative.objects.with_public_lineage().values_list("pk", "slug"))
        rule_ids, rule_slugs = set(rule), set(rule.values())
        assert set(Initiative.objects.published().values_list("pk", flat=True)) == rule_ids
        assert listing.is_consistent()
        response = self.client.get(reverse("api_initiatives"), {"page_size": 100})
        assert {item["slug"] for item in response.json()["results"]} == rule_slugs
        # As the public gets it: from the page cache when nothing public changed.
        sitemap = self.client.get("/sitemap-initiatives.xml").content.decode()
        assert set(SITEMAP_SLUG.findall(sitemap)) == rule_slugs
        assert ListingTotal.objects.count_of("total", "") == len(rule_ids)

    def check_every_output(self):
        """The slower outputs, once a sequence."""
        rule_slugs = set(Initiative.objects.with_public_lineage().values_list("slug", flat=True))
        export = self.client.get(reverse("initiative_export", args=["json"]))
        assert {row["slug"] for row in json.loads(b"".join(export.streaming_content))} == rule_slugs
        index = self.client.get("/initiatives/").content.decode()
        [shown] = RESULTS_TITLE.findall(index)
        assert int(re.sub(r"\D", "", shown)) == len(rule_slugs)
        feed = self.client.get("/flux/initiatives.atom").content.decode()
        sitemap = self.client.get("/sitemap-initiatives.xml").content.decode()
        search = self.client.get("/recherche/", {"q": "initiative"}).content.decode()
        for initiative in Initiative.objects.all():
            shown = initiative.slug in rule_slugs
            url = initiative.get_absolute_url()
            assert (url in sitemap) == shown, url
            if not shown:
                assert url not in feed and url not in search
                assert self.client.get(url).status_code == 404


def test_what_the_public_sees_follows_the_rule_through_every_write_path(client):
    class Checked(PublicRegistry):
        def teardown(self):
            self.check_every_output()
            super().teardown()

    Checked.registry = build_registry()
    Checked.client = client
    Checked.TestCase.settings = settings(
        max_examples=int(os.environ.get("STATEFUL_EXAMPLES", 200)),
        stateful_step_count=5,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    Checked.TestCase().runTest()
