"""The filtered initiatives in the chosen order: all of them (exports, API) or one page (the
index), read from the listing rows the filters keep."""

from django.contrib.postgres.search import SearchRank
from django.core.paginator import Paginator
from django.db.models import F

from initiatives.models import Initiative, derived_for_search
from initiatives.translations import search_vector_name
from portal.catalogue.search import search_query

ORDERINGS = {
    "pertinence": ["-rank", "sort_key"],
    "titre": ["sort_key"],
    "maj": ["-updated_at", "sort_key"],
    "debut": [F("start").asc(nulls_last=True), "sort_key"],
}


class SortedResults:
    """For InitiativeFilter: its results, sorted as `sort` says."""

    @property
    def results(self):
        """The filtered initiatives in the chosen order (exports, API)."""
        initiatives = Initiative.objects.filter(pk__in=self.qs.values("pk"))
        return self._sorted(initiatives, search_vector_name())

    def page_of_results(self, number, size, count):
        """One page of initiatives: the listing rows are sorted and cut, then the initiatives
        of the page fetched by primary key. `count` is the number of results (facet_counts
        gives it for free)."""
        vector = search_vector_name(prefix="initiative__")
        rows = self._sorted(self.qs, vector).values_list("pk", flat=True)
        page = CountedPaginator(rows, size, count=count).get_page(number)
        ids = list(page.object_list)
        unshown = [*derived_for_search(Initiative), *derived_for_search(Initiative, "parent__")]
        initiatives = Initiative.objects.select_related("parent").defer(*unshown).in_bulk(ids)
        page.object_list = [initiatives[pk] for pk in ids if pk in initiatives]
        return page

    def _sorted(self, queryset, search_vector):
        """In the chosen order; by relevance, ranked on the initiatives' search vector."""
        if self.sort == "pertinence":
            queryset = queryset.annotate(rank=SearchRank(F(search_vector), search_query(self.text)))
        return queryset.order_by(*ORDERINGS[self.sort], "pk")


class CountedPaginator(Paginator):
    """A paginator told the number of objects instead of counting them again."""

    def __init__(self, object_list, per_page, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @property
    def count(self):
        return self._count
