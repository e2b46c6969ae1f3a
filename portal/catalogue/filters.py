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
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from actors.models import Involvement, Organisation
from initiatives.models import Initiative, Listing, Territory, Theme
from initiatives.translations import search_vector_name
from portal.catalogue.facets import FacetCounts
from portal.catalogue.results import SortedResults
from portal.catalogue.search import clean_text, search_query

FIRST_YEAR, LAST_YEAR = 1900, 2100
SORTS = {
    "pertinence": _("Pertinence"),
    "titre": _("Titre"),
    "maj": _("Dernière mise à jour"),
    "debut": _("Date de début"),
}


MAX_VALUES = 20  # values of one facet in one query: bounds the URL and the lookups


def _values(value):
    """The values sent for a facet, in order, once each, empty ones dropped (the form sends
    nothing for an unticked box; a plain dict may hold one value or a list)."""
    if value is None:
        return []
    values = [value] if isinstance(value, str) else list(value)
    return list(dict.fromkeys(item for item in values if item != ""))


def _checked(values):
    if len(values) > MAX_VALUES:
        raise forms.ValidationError(
            gettext("Au plus %(count)s valeurs par filtre sont permises.") % {"count": MAX_VALUES}
        )
    for item in values:
        if not isinstance(item, str) or len(item) > 200 or "\x00" in item:
            raise forms.ValidationError(
                gettext("Un identifiant (lettres, chiffres, tirets) est attendu.")
            )
    return values


class SlugsField(forms.Field):
    """Slugs naming records of the queryset (one value or several, repeated in the URL):
    validated in one query, without rendering a huge <select>."""

    widget = forms.MultipleHiddenInput  # reads every repeated value of the parameter

    def __init__(self, *, queryset, **kwargs):
        self.queryset = queryset
        super().__init__(**kwargs)

    def clean(self, value):
        values = _checked(_values(value))
        if not values:
            return []
        found = {record.slug: record for record in self.queryset.filter(slug__in=values)}
        unknown = [item for item in values if item not in found]
        if unknown:
            names = ", ".join(f"« {item[:60]} »" for item in unknown[:3])
            message = ngettext(
                "%(names)s ne correspond à aucun choix connu.",
                "%(names)s ne correspondent à aucun choix connu.",
                len(unknown),
            )
            raise forms.ValidationError(message % {"names": names})
        return [found[item] for item in values]


class ChoicesField(forms.Field):
    """Values of a fixed list of choices, one or several."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, choices, **kwargs):
        self.choices = list(choices)
        super().__init__(**kwargs)

    def clean(self, value):
        values = _checked(_values(value))
        known = {choice for choice, _label in self.choices}
        unknown = [item for item in values if item not in known]
        if unknown:
            allowed = ", ".join(f"« {choice} »" for choice, _label in self.choices)
            message = gettext("« %(value)s » n'est pas un choix possible (choix : %(allowed)s).")
            raise forms.ValidationError(message % {"value": unknown[0][:60], "allowed": allowed})
        return values


class SlugFilter(django_filters.Filter):
    field_class = SlugsField


class ChoicesFilter(django_filters.Filter):
    field_class = ChoicesField


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField  # "2000.5" or "2E3" is not a year: a form error


class InitiativeFilter(FacetCounts, SortedResults, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Mots-clés"), method="filter_text", max_length=200)
    thematique = SlugFilter(
        label=_("Thématique"), queryset=Theme.objects.all(), method="filter_theme"
    )
    territoire = SlugFilter(
        label=_("Territoire"), queryset=Territory.objects.all(), method="filter_territory"
    )
    type = ChoicesFilter(label=_("Type"), choices=Initiative.Kind.choices, method="filter_kind")
    statut = ChoicesFilter(
        label=_("Statut"), choices=Initiative.Status.choices, method="filter_status"
    )
    acteur = SlugFilter(
        label=_("Acteur"), queryset=Organisation.objects.published(), method="filter_actor"
    )
    role = ChoicesFilter(label=_("Rôle"), choices=Involvement.Role.choices, method="filter_role")
    de = YearFilter(
        label=_("Active entre"), method="filter_period", min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    a = YearFilter(label="et", method="filter_period", min_value=FIRST_YEAR, max_value=LAST_YEAR)
    tri = django_filters.ChoiceFilter(
        label=_("Trier par"), choices=list(SORTS.items()), method="keep", empty_label=None
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
            self.form.add_error("a", gettext("La fin de la période précède son début."))
        return data

    # One method per filter ---------------------------------------------------------------

    def filter_text(self, queryset, name, value):
        if not (text := clean_text(value)):
            return queryset
        return queryset.filter(**{search_vector_name(prefix="initiative__"): search_query(text)})

    # Several values of one facet: any of them (OR); the facets together: all of them (AND).

    def filter_theme(self, queryset, name, themes):
        return queryset.in_any_theme(themes)

    def filter_territory(self, queryset, name, territories):
        return queryset.in_any_territory(territories)

    def filter_kind(self, queryset, name, kinds):
        return queryset.filter(kind__in=kinds)

    def filter_status(self, queryset, name, statuses):
        return queryset.filter(status__in=statuses)

    def filter_actor(self, queryset, name, organisations):
        return queryset.filter(organisations__overlap=[org.pk for org in organisations])

    def filter_role(self, queryset, name, roles):
        # With actors chosen, the role is one of those actors' roles.
        if actors := self._value("acteur"):
            pairs = [f"{actor.pk}:{role}" for actor in actors for role in roles]
            return queryset.filter(organisation_roles__overlap=pairs)
        return queryset.filter(roles__overlap=roles)

    def filter_period(self, queryset, name, value):
        if name == "a" and self._value("de") is not None:
            return queryset  # the pair is applied once, with "de"
        return queryset.active_between(self._value("de"), self._value("a"))

    def keep(self, queryset, name, value):
        return queryset  # sorting is applied by `results`

    # The filter left out while counting a facet, and the choices made ---------------------

    def _value(self, name):
        """The validated choice of a filter (a list for the facets), unless it is left out."""
        if name == self._left_out:
            return [] if name in self.FACETS else None
        return self.form.cleaned_data.get(name, [] if name in self.FACETS else None)

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
