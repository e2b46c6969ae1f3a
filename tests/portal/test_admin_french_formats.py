"""Partial dates and numbers in the staff forms: shown in French, read back unchanged."""

from decimal import Decimal

import pytest
from django.urls import reverse

from actors.models import Funding
from initiatives.models import KeyFigure
from initiatives.numbers import FrenchDecimalField, french_number, parse_number
from initiatives.partial_dates import HINT, PartialDate, PartialDateFormField
from tests.admin_forms import change_form_data

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("date", "shown"),
    [
        (PartialDate(2017), "2017"),
        (PartialDate(2017, 3), "mars 2017"),
        (PartialDate(2017, 6, 12), "12/06/2017"),
        (PartialDate(2017, 8, 1), "01/08/2017"),
    ],
)
def test_a_partial_date_is_shown_in_french_and_read_back_unchanged(date, shown):
    field = PartialDateFormField(required=False)
    assert field.prepare_value(date) == shown
    assert field.clean(shown) == date


@pytest.mark.parametrize("typed", ["2017", "mars 2017", "12/03/2017"])
def test_every_form_the_hint_shows_is_accepted(typed):
    assert typed in HINT
    field = PartialDateFormField(required=False)
    assert field.prepare_value(field.clean(typed)) == typed


def test_the_hint_is_written_under_the_input():
    html = PartialDateFormField(required=False).widget.render("start", "2017")
    assert 'class="help partial-date-hint"' in html and HINT in html


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1200.00"), f"1{NBSP}200"),
        (Decimal("1200.50"), f"1{NBSP}200,5"),
        (1200, f"1{NBSP}200"),
        (Decimal("-15.00"), "-15"),
        (Decimal("0.25"), "0,25"),
    ],
)
def test_a_number_is_shown_in_french(value, shown):
    assert FrenchDecimalField(max_digits=14, decimal_places=2).prepare_value(value) == shown
    assert french_number(value) == shown


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("1 200,50", Decimal("1200.50")),
        ("1200.50", Decimal("1200.50")),
        ("1 200", Decimal("1200")),
        (f"1{NBSP}200", Decimal("1200")),
        ("1\u202f200,5", Decimal("1200.5")),
        (f"1{NBSP}200,5", Decimal("1200.5")),
        (" 12 ", Decimal("12")),
        ("-3,5", Decimal("-3.5")),
    ],
)
def test_a_number_is_read_however_staff_type_it(typed, number):
    assert FrenchDecimalField(max_digits=14, decimal_places=2).clean(typed) == number
    assert parse_number(typed) == number


@pytest.mark.parametrize("typed", ["douze", "1.200,50", "1,2,3", "NaN", "Infinity"])
def test_a_bad_number_gets_a_french_message(typed):
    field = FrenchDecimalField(max_digits=14, decimal_places=2, required=False)
    with pytest.raises(Exception) as refused:
        field.clean(typed)
    assert "Saisissez" in " ".join(refused.value.messages)


@pytest.mark.django_db
def test_the_initiative_form_shows_dates_and_figures_in_french_and_saves_them_unchanged(
    admin_client, make_initiative
):
    initiative = make_initiative(start="2017-03", end="2019-06-12")
    figure = KeyFigure.objects.create(
        initiative=initiative, value=Decimal("1200.50"), label="emplois", date="2018"
    )
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert 'value="mars 2017"' in html and 'value="12/06/2019"' in html
    assert f'value="1{NBSP}200,5"' in html
    assert "2017-03" not in html and "1200.50" not in html and "1200,50" not in html
    assert HINT in html
    history = initiative.history.count()
    form = page.context["adminform"].form
    data = change_form_data(page)
    data.update({form.add_prefix("start"): "mars 2017", form.add_prefix("end"): "12/06/2019"})
    figures = next(
        i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is KeyFigure
    )
    data[f"{figures.prefix}-0-value"] = f"1{NBSP}200,5"
    data[f"{figures.prefix}-0-date"] = "2018"
    assert admin_client.post(url, data).status_code == 302
    initiative.refresh_from_db()
    figure.refresh_from_db()
    assert (str(initiative.start.iso), initiative.end.iso) == ("2017-03", "2019-06-12")
    assert figure.value == Decimal("1200.50")
    assert figure.history.count() == 1, "an unchanged figure is not saved again"
    assert initiative.history.count() <= history + 1


@pytest.mark.django_db
def test_changelists_show_figures_and_amounts_in_french(
    admin_client, make_initiative, make_organisation
):
    initiative = make_initiative()
    KeyFigure.objects.create(initiative=initiative, value=Decimal("1200"), label="emplois")
    Funding.objects.create(
        initiative=initiative,
        beneficiary=make_organisation(),
        status="funded",
        amount=Decimal("25000.50"),
    )
    figures = admin_client.get(reverse("admin:initiatives_keyfigure_changelist")).content
    assert f"1{NBSP}200 emplois" in figures.decode()
    fundings = admin_client.get(reverse("admin:actors_funding_changelist")).content.decode()
    assert f"25{NBSP}000,5" in fundings and "25000" not in fundings
