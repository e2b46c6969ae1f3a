from django import forms


class SearchForm(forms.Form):
    q = forms.CharField(label="Rechercher", max_length=200, required=False, strip=True)


class AlertForm(forms.Form):
    """An alert on the list of the index that the form is on (`liste`, its filters)."""

    email = forms.EmailField(
        label="Votre adresse électronique",
        max_length=254,
        error_messages={"required": "Indiquez l'adresse où recevoir les nouveautés."},
    )
    frequence = forms.ChoiceField(
        label="Fréquence",
        choices=[("quotidien", "Chaque jour"), ("hebdomadaire", "Chaque semaine")],
        initial="hebdomadaire",
        widget=forms.RadioSelect,
    )
    liste = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
