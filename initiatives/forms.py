"""Forms of the staff site that do more than their model's fields."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect

from initiatives.concurrency import ConcurrentEditForm
from initiatives.models import Document, SourceCitation

SOURCE_FIELDS = ("source_document", "source_url")


class KeyFigureForm(ConcurrentEditForm):
    """A key figure with its source (a document, an address or both), saved together: the
    source is typed where the figure is, not on a page of its own."""

    source_document = forms.ModelChoiceField(
        Document.objects.all(),
        required=False,
        label="source\u202f: document",
        widget=AutocompleteSelect(SourceCitation._meta.get_field("document"), admin.site),
    )
    source_url = forms.URLField(
        label="source\u202f: adresse", required=False, max_length=500, assume_scheme="https"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The figure's first source; the inline prefetches them (one query for every row).
        self.source = next(iter(self.instance.sources.all()), None) if self.instance.pk else None
        if self.source is not None:
            self.initial.setdefault("source_document", self.source.document_id)
            self.initial.setdefault("source_url", self.source.url)

    def save(self, commit=True):
        figure = super().save(commit)
        if commit:
            self.save_source(figure)
        return figure

    def save_source(self, figure):
        if not any(name in self.changed_data for name in SOURCE_FIELDS):
            return
        document = self.cleaned_data.get("source_document")
        url = self.cleaned_data.get("source_url") or ""
        if document is None and not url:
            if self.source is not None:
                self.source.delete()
            return
        source = self.source or SourceCitation(subject=figure)
        source.document, source.url = document, url
        source.save()
