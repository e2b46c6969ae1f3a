from django import forms


class SearchForm(forms.Form):
    q = forms.CharField(label="Rechercher", max_length=200, required=False, strip=True)
