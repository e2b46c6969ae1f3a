"""A key figure's source is typed on the initiative form, in the same save as the figure."""

from decimal import Decimal

import pytest
from django.urls import reverse

from initiatives.models import Document, KeyFigure, SourceCitation
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def figures_prefix(page):
    return next(
        i.formset.prefix
        for i in page.context["inline_admin_formsets"]
        if i.formset.model is KeyFigure
    )


@pytest.fixture
def document():
    return Document.objects.create(title="Bilan 2018", slug="bilan-2018", kind="record")


def test_a_new_figure_gets_its_source_in_the_same_save(admin_client, make_initiative, document):
    initiative = make_initiative()
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    page = admin_client.get(url)
    prefix = figures_prefix(page)
    data = change_form_data(page)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-value": "1 200",
            f"{prefix}-0-label": "emplois",
            f"{prefix}-0-source_document": str(document.pk),
            f"{prefix}-0-source_url": "https://example.org/bilan",
        }
    )
    assert admin_client.post(url, data).status_code == 302
    figure = KeyFigure.objects.get()
    assert figure.value == Decimal("1200")
    source = figure.sources.get()
    assert (source.document, source.url) == (document, "https://example.org/bilan")


def test_the_figure_row_shows_and_updates_its_source(admin_client, make_initiative, document):
    initiative = make_initiative()
    figure = KeyFigure.objects.create(initiative=initiative, value=12, label="emplois")
    SourceCitation.objects.create(subject=figure, url="https://example.org/ancien")
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    page = admin_client.get(url)
    assert 'value="https://example.org/ancien"' in page.content.decode()
    prefix = figures_prefix(page)
    data = change_form_data(page)
    data[f"{prefix}-0-source_document"] = str(document.pk)
    data[f"{prefix}-0-source_url"] = ""
    assert admin_client.post(url, data).status_code == 302
    source = SourceCitation.objects.get()
    assert (source.object_id, source.document, source.url) == (figure.pk, document, "")


def test_clearing_the_source_removes_it(admin_client, make_initiative):
    initiative = make_initiative()
    figure = KeyFigure.objects.create(initiative=initiative, value=12, label="emplois")
    SourceCitation.objects.create(subject=figure, url="https://example.org/ancien")
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    page = admin_client.get(url)
    data = change_form_data(page, **{f"{figures_prefix(page)}-0-source_url": ""})
    assert admin_client.post(url, data).status_code == 302
    assert not SourceCitation.objects.exists()


def test_a_bad_source_address_writes_nothing(admin_client, make_initiative):
    initiative = make_initiative()
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    page = admin_client.get(url)
    prefix = figures_prefix(page)
    data = change_form_data(page)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-value": "12",
            f"{prefix}-0-label": "emplois",
            f"{prefix}-0-source_url": "pas une adresse",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert not KeyFigure.objects.exists() and not SourceCitation.objects.exists()
    assert "Saisissez une URL valide" in response.content.decode()
