"""The listing of public initiatives and its totals, kept by PostgreSQL triggers: one narrow
row per public initiative for the index, its filters and facet counts."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Case, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Now

from initiatives.models.initiatives import Initiative
from initiatives.partial_dates import PartialDateField

# Sorts as `start ASC NULLS LAST` does: unknown starts after every year (at most LAST_YEAR).
START_ORDER = Coalesce("start", Value("9999"), output_field=models.CharField())


class ListingQuerySet(models.QuerySet):
    def in_territory(self, territory):
        return self.filter(territories__contains=[territory.pk])

    def in_theme(self, theme):
        return self.filter(themes__contains=[theme.pk])

    def in_any_territory(self, territories):
        """Filed under one of the territories (or below, or a predecessor or successor)."""
        return self.filter(territories__overlap=[territory.pk for territory in territories])

    def in_any_theme(self, themes):
        return self.filter(themes__overlap=[theme.pk for theme in themes])

    def active_between(self, first_year, last_year):
        """Active at some point of the year range; open ends count as still going."""
        conditions = Q()
        if last_year is not None:
            conditions &= Q(start__isnull=True) | Q(start__lt=str(last_year + 1))
        if first_year is not None:
            conditions &= Q(end__isnull=True) | Q(end__gte=str(first_year))
        return self.filter(conditions)


class Listing(models.Model):
    """One row per public initiative (published, under published ancestors), holding what the
    public pages filter, count and sort on, so that they never scan the wide initiative rows
    nor join the link tables: the trees are flattened into arrays with GIN indexes.

    It is derived data, kept by PostgreSQL triggers (actors migration 0006) in the transaction
    of every write that affects a row, whatever wrote it: initiatives, their themes and
    territories, the trees, territory successions, actors and their involvements. It speeds
    reads up; it never decides visibility (`Initiative.is_public` does).
    """

    initiative = models.OneToOneField(
        Initiative, primary_key=True, on_delete=models.CASCADE, related_name="listing"
    )
    is_top_level = models.BooleanField()
    kind = models.CharField(max_length=20, choices=Initiative.Kind)
    status = models.CharField(max_length=12, choices=Initiative.Status)
    start = PartialDateField(null=True)
    end = PartialDateField(null=True)
    sort_key = models.CharField(max_length=300)
    updated_at = models.DateTimeField()
    # Themes and their ancestors.
    themes = ArrayField(models.BigIntegerField(), default=list)
    # Territories, their ancestors, and the territories they became or came from.
    territories = ArrayField(models.BigIntegerField(), default=list)
    # Published organisations involved, the roles of public actors, "<organisation>:<role>".
    organisations = ArrayField(models.BigIntegerField(), default=list)
    roles = ArrayField(models.CharField(max_length=20), default=list)
    organisation_roles = ArrayField(models.CharField(max_length=40), default=list)

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = "ligne de l'index public"
        indexes = [
            models.Index(fields=["sort_key", "initiative"], name="initiatives_listing_title"),
            models.Index(fields=["-updated_at"], name="initiatives_listing_updated"),
            models.Index(fields=["start"], name="initiatives_listing_start"),
            # The API's "debut" order from a cursor: the dates, then the unknown ones, as one
            # range of one index (`start ASC NULLS LAST` cannot be read from a given row on).
            models.Index(START_ORDER, "sort_key", "initiative", name="initiatives_listing_debut"),
            models.Index(
                Case(When(kind=Initiative.Kind.PROGRAMME, then=0), default=1),
                "sort_key",
                condition=Q(is_top_level=True),
                name="initiatives_listing_entries",
            ),
            GinIndex(fields=["themes"], name="initiatives_listing_themes"),
            GinIndex(fields=["territories"], name="initiatives_listing_places"),
            GinIndex(fields=["organisations"], name="initiatives_listing_orgs"),
            GinIndex(fields=["roles"], name="initiatives_listing_roles"),
            GinIndex(fields=["organisation_roles"], name="initiatives_listing_org_roles"),
        ]

    def __str__(self):
        return str(self.pk)


# A value held by more than this share of the public initiatives, and by more than
# COMMON_FLOOR of them, is common: sharing it tells little (see Initiative.related_to).
COMMON_SHARE = 4
COMMON_FLOOR = 10


class ListingTotalQuerySet(models.QuerySet):
    def common(self, column, keys):
        """The keys among `keys` that more than a quarter of the public initiatives hold (and
        more than COMMON_FLOOR), from the kept totals: one query, whatever the registry size."""
        if not keys:
            return set()
        counts = dict(
            self.filter(Q(column=column, key__in=[str(key) for key in keys]) | Q(column="total"))
            .values("column", "key")
            .annotate(total=Sum("count"))
            .values_list("key", "total")
        )
        threshold = max(COMMON_FLOOR, counts.pop("", 0) / COMMON_SHARE)
        return {key for key in keys if counts.get(str(key), 0) > threshold}

    def count_of(self, column, key):
        """How many public initiatives hold this value ("territories", 12): the count of a
        territory's or theme's page, without counting the rows."""
        rows = self.filter(column=column, key=str(key))
        return rows.aggregate(count=Sum("count"))["count"] or 0

    def summed(self):
        """(column, key, count) rows: a value's deltas added up, zero counts left out."""
        return (
            self.values("column", "key")
            .annotate(total=Sum("count"))
            .filter(total__gt=0)
            .values_list("column", "key", "total")
        )


class ListingTotal(models.Model):
    """How many listing rows hold each value of each array or choice column ("total" and ""
    for all of them): the counts of the unfiltered index and of the territory and theme pages,
    which would otherwise count up to every public initiative.

    Kept by the database with the listing (actors migration 0006). A value's count is the sum
    of its rows: each change inserts its deltas (so two transactions never wait for one
    another on a shared counter) and folds them into one row when no other transaction is
    folding at the same time.
    """

    column = models.CharField(max_length=20)
    key = models.CharField(max_length=64, blank=True)
    count = models.IntegerField()

    objects = ListingTotalQuerySet.as_manager()

    class Meta:
        verbose_name = "total de l'index public"
        indexes = [models.Index(fields=["column", "key"], name="initiatives_listingtotal_key")]

    def __str__(self):
        return f"{self.column} {self.key}: {self.count}"


class ListingChange(models.Model):
    """A listing row written (inserted, updated or deleted), noted by PostgreSQL in the same
    transaction, whatever wrote it (initiatives migration 0021): the in-memory facet counts
    (`portal.catalogue.facet_index`) read the rows changed since the snapshot they were built
    on, instead of the whole listing again.

    `transaction` is the writing transaction's id (`pg_current_xact_id()`), so that a reader
    finds exactly the changes its last snapshot could not see, in whatever order transactions
    committed. A statement that writes many rows at once (a rebuild, a bulk load) notes one
    change without an initiative: read everything again. Notes older than a day are pruned.
    """

    initiative_id = models.BigIntegerField(null=True)
    transaction = models.BigIntegerField()
    noted_at = models.DateTimeField(db_default=Now())

    class Meta:
        verbose_name = "écriture de l'index public"
        indexes = [
            models.Index(fields=["transaction"], name="initiatives_listingchange_xact"),
            models.Index(fields=["noted_at"], name="initiatives_listingchange_at"),
        ]

    def __str__(self):
        return f"{self.initiative_id or '*'} ({self.transaction})"
