"""The public filters of the initiative index.

The HTML list, the exports and the API share this FilterSet, so the same URL parameters mean
the same thing everywhere. It filters the listing of public initiatives (`Listing`: one narrow
row each, trees flattened into indexed arrays), so that the facet counts are one scan of the
matching rows; `results` turns the rows into initiatives.
"""

from contextlib import contextmanager

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db.models import F, Q

from actors.models import Involvement, Organisation
from initiatives.models import (
    SEARCH_CONFIG,
    Initiative,
    Listing,
    ListingTotal,
    Territory,
    Theme,
)
from portal.cache import reading, remembered

FIRST_YEAR, LAST_YEAR = 1900, 2100
ACTOR_OPTIONS = 40  # the most frequent actors of the current results, plus the one chosen
SORTS = {
    "pertinence": "Pertinence",
    "titre": "Titre",
    "maj": "Dernière mise à jour",
    "debut": "Date de début",
}
ORDERINGS = {
    "pertinence": ["-rank", "sort_key"],
    "titre": ["sort_key"],
    "maj": ["-updated_at", "sort_key"],
    "debut": [F("start").asc(nulls_last=True), "sort_key"],
}


def search_query(text):
    return SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")


def clean_text(text):
    return " ".join((text or "").replace("\x00", "").split())


class SlugField(forms.CharField):
    """A slug naming a record of the queryset: validated without rendering a huge <select>."""

    def __init__(self, *, queryset, **kwargs):
        self.queryset = queryset
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        match = self.queryset.filter(slug=value).first()
        if match is None:
            raise forms.ValidationError(f"« {value[:60]} » ne correspond à aucun choix connu.")
        return match


class SlugFilter(django_filters.Filter):
    field_class = SlugField


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField  # "2000.5" or "2E3" is not a year: a form error


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Mots-clés", method="filter_text", max_length=200)
    thematique = SlugFilter(label="Thématique", queryset=Theme.objects.all(), method="filter_theme")
    territoire = SlugFilter(
        label="Territoire", queryset=Territory.objects.all(), method="filter_territory"
    )
    type = django_filters.ChoiceFilter(
        label="Type", field_name="kind", choices=Initiative.Kind.choices, empty_label="Tous"
    )
    statut = django_filters.ChoiceFilter(
        label="Statut", field_name="status", choices=Initiative.Status.choices, empty_label="Tous"
    )
    acteur = SlugFilter(
        label="Acteur", queryset=Organisation.objects.published(), method="filter_actor"
    )
    role = django_filters.ChoiceFilter(
        label="Rôle", choices=Involvement.Role.choices, method="filter_role", empty_label="Tous"
    )
    de = YearFilter(
        label="Active entre", method="filter_period", min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    a = YearFilter(label="et", method="filter_period", min_value=FIRST_YEAR, max_value=LAST_YEAR)
    tri = django_filters.ChoiceFilter(
        label="Trier par", choices=list(SORTS.items()), method="keep", empty_label=None
    )

    FACETS = ("thematique", "territoire", "type", "statut", "acteur", "role")

    class Meta:
        model = Listing
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.form.fields["tri"].required = False
        self.form.clean = self._clean_period
        self._left_out = None

    def _clean_period(self):
        data = self.form.cleaned_data
        first, last = data.get("de"), data.get("a")
        if first is not None and last is not None and first > last:
            self.form.add_error("a", "La fin de la période précède son début.")
        return data

    # One method per filter ---------------------------------------------------------------

    def filter_text(self, queryset, name, value):
        if not (text := clean_text(value)):
            return queryset
        return queryset.filter(initiative__search_vector=search_query(text))

    def filter_theme(self, queryset, name, theme):
        return queryset.in_theme(theme)

    def filter_territory(self, queryset, name, territory):
        return queryset.in_territory(territory)

    def filter_actor(self, queryset, name, organisation):
        return queryset.filter(organisations__contains=[organisation.pk])

    def filter_role(self, queryset, name, role):
        # With an actor chosen, the role is that actor's role.
        if (actor := self._value("acteur")) is not None:
            return queryset.filter(organisation_roles__contains=[f"{actor.pk}:{role}"])
        return queryset.filter(roles__contains=[role])

    def filter_period(self, queryset, name, value):
        if name == "a" and self._value("de") is not None:
            return queryset  # the pair is applied once, with "de"
        return queryset.active_between(self._value("de"), self._value("a"))

    def keep(self, queryset, name, value):
        return queryset  # sorting is applied by `results`

    # Results and facets -----------------------------------------------------------------

    def _value(self, name):
        if name == self._left_out:
            return None
        return self.form.cleaned_data.get(name)

    @contextmanager
    def _leaving_out(self, name):
        self._left_out = name
        try:
            yield
        finally:
            self._left_out = None

    def filter_queryset(self, queryset):
        for name, value in self.form.cleaned_data.items():
            if name != self._left_out:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def text(self):
        self.is_valid()
        return clean_text(self.form.cleaned_data.get("q"))

    @property
    def sort(self):
        chosen = self.form.cleaned_data.get("tri")
        if chosen == "pertinence" and not self.text:
            chosen = None
        return chosen or ("pertinence" if self.text else "titre")

    @property
    def results(self):
        """The filtered initiatives in the chosen order (exports, API)."""
        initiatives = Initiative.objects.filter(pk__in=self.qs.values("pk"))
        return self._sorted(initiatives, "search_vector")

    def page_of_results(self, number, size, count):
        """One page of initiatives: the listing rows are sorted and cut, then the initiatives
        of the page fetched by primary key. `count` is the number of results (facet_counts
        gives it for free)."""
        rows = self._sorted(self.qs, "initiative__search_vector").values_list("pk", flat=True)
        page = CountedPaginator(rows, size, count=count).get_page(number)
        ids = list(page.object_list)
        initiatives = Initiative.objects.select_related("parent").in_bulk(ids)
        page.object_list = [initiatives[pk] for pk in ids if pk in initiatives]
        return page

    def _sorted(self, queryset, search_vector):
        """In the chosen order; by relevance, ranked on the initiatives' search vector."""
        if self.sort == "pertinence":
            queryset = queryset.annotate(rank=SearchRank(F(search_vector), search_query(self.text)))
        return queryset.order_by(*ORDERINGS[self.sort], "pk")

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


class CountedPaginator(Paginator):
    """A paginator told the number of objects instead of counting them again."""

    def __init__(self, object_list, per_page, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @property
    def count(self):
        return self._count


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
