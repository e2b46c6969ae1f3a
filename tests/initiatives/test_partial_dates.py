import pytest
from django.core.exceptions import ValidationError

from initiatives.models import Milestone
from initiatives.partial_dates import PartialDate, PartialDateFormField, format_period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2009", PartialDate(2009)),
        ("03/1999", PartialDate(1999, 3)),
        ("03 / 1999", PartialDate(1999, 3)),
        ("1998/02", PartialDate(1998, 2)),
        ("21/03/2016", PartialDate(2016, 3, 21)),
        ("2016-03-21", PartialDate(2016, 3, 21)),
        ("2016-03", PartialDate(2016, 3)),
        ("21 mars 2016", PartialDate(2016, 3, 21)),
        ("1er mars 2016", PartialDate(2016, 3, 1)),
        ("Février 2016", PartialDate(2016, 2)),
        ("  2015 ", PartialDate(2015)),
    ],
)
def test_parses_the_forms_found_in_the_sources(text, expected):
    assert PartialDate.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "2016-13", "30/02/2016", "2015-02-29", "0000", "32/01/2016", "mars"]
)
def test_rejects_what_is_not_a_date(text):
    with pytest.raises(ValueError):
        PartialDate.parse(text)


def test_accepts_a_leap_day():
    assert PartialDate.parse("29/02/2016") == PartialDate(2016, 2, 29)


@pytest.mark.parametrize(
    ("value", "display"),
    [
        (PartialDate(2015), "2015"),
        (PartialDate(2016, 3), "mars 2016"),
        (PartialDate(2016, 3, 21), "21 mars 2016"),
        (PartialDate(2016, 11, 1), "1er novembre 2016"),
        (PartialDate(1998, 2), "février 1998"),
    ],
)
def test_displays_the_french_way(value, display):
    assert str(value) == display


def test_sorts_chronologically_with_a_year_before_its_months():
    dates = [PartialDate(2016, 5), PartialDate(2015), PartialDate(2016), PartialDate(2016, 3, 21)]
    assert sorted(dates) == [
        PartialDate(2015),
        PartialDate(2016),
        PartialDate(2016, 3, 21),
        PartialDate(2016, 5),
    ]


def test_knows_its_bounds():
    assert PartialDate(2016, 2).first_day.isoformat() == "2016-02-01"
    assert PartialDate(2016, 2).last_day.isoformat() == "2016-02-29"
    assert PartialDate(2016).last_day.isoformat() == "2016-12-31"


def test_periods_read_naturally():
    assert format_period(PartialDate(2015), PartialDate(2017)) == "2015 – 2017"
    assert format_period(PartialDate(2013), None) == "depuis 2013"
    assert format_period(None, None) == ""


def test_form_field_explains_a_bad_date():
    field = PartialDateFormField(required=False)
    assert field.clean("21/03/2016") == PartialDate(2016, 3, 21)
    assert field.clean("") is None
    with pytest.raises(ValidationError, match="n'existe pas"):
        field.clean("31/04/2016")


@pytest.mark.django_db
def test_database_orders_partial_dates_chronologically(make_initiative):
    initiative = make_initiative()
    for text in ["2016-05", "2009", "2016", "2002", "2016-03-21"]:
        Milestone.objects.create(initiative=initiative, date=text, title=text)
    stored = [str(m.date) for m in Milestone.objects.filter(initiative=initiative)]
    assert stored == ["2002", "2009", "2016", "21 mars 2016", "mai 2016"]
    assert isinstance(Milestone.objects.first().date, PartialDate)


@pytest.mark.django_db
def test_model_validation_reports_a_bad_date(make_initiative):
    milestone = Milestone(initiative=make_initiative(), date="2016-02-30", title="x")
    with pytest.raises(ValidationError) as error:
        milestone.full_clean()
    assert "date" in error.value.message_dict
