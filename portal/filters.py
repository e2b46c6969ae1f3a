"""The public filters of the initiative index.

The HTML list, the exports and the API share this FilterSet, so the same URL parameters mean
the same thing everywhere. Every filter narrows with a `pk IN (subquery)`, so results never
repeat and the facet counts can re-run the same filters with one of them left out.
"""

from contextlib import contextmanager

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F

from actors.models import Involvement, Organisation
from initiatives.models import SEARCH_CONFIG, Initiative, Territory, Theme

FIRST_YEAR, LAST_YEAR = 1900, 2100
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
        model = Initiative
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
        return queryset.filter(search_vector=search_query(text))

    def filter_theme(self, queryset, name, theme):
        return queryset.in_theme(theme)

    def filter_territory(self, queryset, name, territory):
        return queryset.in_territory(territory)

    def filter_actor(self, queryset, name, organisation):
        # The organisation was validated as published; the queryset keeps to published initiatives.
        involvements = Involvement.objects.filter(organisation=organisation)
        return queryset.filter(pk__in=involvements.values("initiative_id"))

    def filter_role(self, queryset, name, role):
        # With an actor chosen, the role is that actor's role.
        if (actor := self._value("acteur")) is not None:
            involvements = Involvement.objects.filter(organisation=actor, role=role)
        else:
            involvements = Involvement.objects.with_public_actor().filter(role=role)
        return queryset.filter(pk__in=involvements.values("initiative_id"))

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
        """The filtered initiatives in the chosen order."""
        initiatives = self.qs
        if self.sort == "pertinence":
            initiatives = initiatives.annotate(
                rank=SearchRank(F("search_vector"), search_query(self.text))
            )
        return initiatives.order_by(*ORDERINGS[self.sort], "pk")

    def _ids_without(self, name):
        with self._leaving_out(name):
            return self.filter_queryset(self.queryset.all()).values("pk")

    def facet_counts(self):
        """{facet: {value: number of results if that value were chosen, other filters kept}}"""
        self.is_valid()
        return {
            "type": self._count_field("type", "kind"),
            "statut": self._count_field("statut", "status"),
            "role": self._count_roles(),
            "acteur": self._count_actors(),
            "thematique": self._count_themes(),
            "territoire": self._count_territories(),
        }

    def _count_field(self, facet, field):
        rows = (
            Initiative.objects.filter(pk__in=self._ids_without(facet))
            .values(field)
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {row[field]: row["n"] for row in rows}

    def _count_roles(self):
        involvements = Involvement.objects.with_public_actor().filter(
            initiative__in=self._ids_without("role")
        )
        if (actor := self._value("acteur")) is not None:
            involvements = involvements.filter(organisation=actor)
        rows = involvements.values("role").annotate(n=Count("initiative", distinct=True)).order_by()
        return {row["role"]: row["n"] for row in rows}

    def _count_actors(self):
        with self._leaving_out("acteur"):
            role = self._value("role")
            ids = self.filter_queryset(self.queryset.all()).values("pk")
        involvements = Involvement.objects.filter(
            initiative__in=ids, organisation__in=Organisation.objects.published()
        )
        if role:
            involvements = involvements.filter(role=role)
        rows = (
            involvements.values("organisation")
            .annotate(n=Count("initiative", distinct=True))
            .order_by()
        )
        return {row["organisation"]: row["n"] for row in rows}

    def _raw_counts(self, facet, sql):
        ids_sql, params = self._ids_without(facet).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql.format(ids=ids_sql), params)
            return dict(cursor.fetchall())

    def _count_themes(self):
        # Each initiative counts once for its themes and all their ancestors.
        return self._raw_counts(
            "thematique",
            """
            SELECT ancestor, COUNT(DISTINCT link.initiative_id)
            FROM initiatives_initiative_themes link
            JOIN initiatives_theme theme ON theme.id = link.theme_id
            CROSS JOIN LATERAL unnest(theme.lineage) AS ancestor
            WHERE link.initiative_id IN ({ids})
            GROUP BY ancestor
            """,
        )

    def _count_territories(self):
        # The same reach as Territory.objects.around(): ancestors, predecessors, successors.
        return self._raw_counts(
            "territoire",
            """
            WITH link AS (
                SELECT it.initiative_id, t.id, t.lineage
                FROM initiatives_initiative_territories it
                JOIN initiatives_territory t ON t.id = it.territory_id
                WHERE it.initiative_id IN ({ids})
            )
            SELECT key, COUNT(DISTINCT initiative_id) FROM (
                SELECT initiative_id, unnest(lineage) AS key FROM link
                UNION ALL
                SELECT link.initiative_id, s.from_territory_id FROM link
                JOIN initiatives_territory_successors s ON s.to_territory_id = link.id
                UNION ALL
                SELECT link.initiative_id, s.to_territory_id FROM link
                JOIN initiatives_territory_successors s ON s.from_territory_id = link.id
            ) AS keys
            GROUP BY key
            """,
        )
