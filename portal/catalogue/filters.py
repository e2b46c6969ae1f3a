"""The public filters of the initiative index, and nothing else.

The HTML list, the exports and the API share this FilterSet, so the same URL parameters mean
the same thing everywhere. It filters the listing of public initiatives (`Listing`: one narrow
row each, trees flattened into indexed arrays); the facet counts (`portal.catalogue.facets`)
are one scan of the matching rows, and `results` (`portal.catalogue.results`) turns the rows
into initiatives.
"""

from contextlib import contextmanager

import django_filters
from django import forms

from actors.models import Involvement, Organisation
from initiatives.models import Initiative, Listing, Territory, Theme
from portal.catalogue.facets import FacetCounts
from portal.catalogue.results import SortedResults
from portal.catalogue.search import clean_text, search_query

FIRST_YEAR, LAST_YEAR = 1900, 2100
SORTS = {
    "pertinence": "Pertinence",
    "titre": "Titre",
    "maj": "Dernière mise à jour",
    "debut": "Date de début",
}


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


class InitiativeFilter(FacetCounts, SortedResults, django_filters.FilterSet):
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

    # The filter left out while counting a facet, and the choices made ---------------------

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
