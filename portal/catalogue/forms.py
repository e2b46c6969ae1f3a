from django import forms
from django.utils.translation import gettext_lazy as _


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), max_length=200, required=False, strip=True)


class AlertForm(forms.Form):
    """An alert on the list of the index that the form is on (`liste`, its filters)."""

    email = forms.EmailField(
        label=_("Votre adresse électronique"),
        max_length=254,
        error_messages={"required": _("Indiquez l'adresse où recevoir les nouveautés.")},
    )
    frequence = forms.ChoiceField(
        label=_("Fréquence"),
        choices=[("quotidien", _("Chaque jour")), ("hebdomadaire", _("Chaque semaine"))],
        initial="hebdomadaire",
        widget=forms.RadioSelect,
    )
    liste = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
