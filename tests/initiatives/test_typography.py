import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from initiatives.partial_dates import PartialDate, format_period
from initiatives.typography import (
    agree,
    agree_gender,
    figure_number,
    figure_text,
    french_date,
    french_datetime,
    french_spacing,
    guillemets,
    is_plural,
    unit_in_label,
)

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("count", "word"), [(0, "initiative"), (1, "initiative"), (2, "initiatives")]
)
def test_french_plural_starts_at_two(count, word):
    assert agree(count, "initiative") == word
    assert (
        Template("{% load registre %}initiative{{ n|fr_pluralize }}").render(Context({"n": count}))
        == word
    )


def test_plural_of_a_list_and_irregular_endings():
    assert is_plural([1, 2]) and not is_plural([1])
    assert agree(3, "journal", "journaux") == "journaux"
    assert (
        Template('{% load registre %}journ{{ n|fr_pluralize:"al,aux" }}').render(Context({"n": 3}))
        == "journaux"
    )


@pytest.mark.parametrize(
    ("gender", "merged", "born"),
    [("m", "Fusionné", "Issu"), ("f", "Fusionnée", "Issue"), ("mp", "Fusionnés", "Issus")],
)
def test_gender_agreement(gender, merged, born):
    assert agree_gender("Fusionné", gender) == merged
    assert agree_gender("Issu", gender) == born


def test_the_first_of_the_month_is_1er(settings):
    assert french_date(datetime.date(2026, 11, 1)) == "1er novembre 2026"
    assert french_date(datetime.date(2026, 11, 2)) == "2 novembre 2026"
    assert french_date(datetime.date(2026, 11, 1), month="N") == "1er nov. 2026"
    moment = timezone.make_aware(datetime.datetime(2026, 11, 1, 14, 5))
    assert french_datetime(moment) == "1er novembre 2026 à 14:05"
    assert str(PartialDate(2026, 11, 1)) == "1er novembre 2026"


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (None, "2015-12-31", "jusqu'au 31 décembre 2015"),
        (None, "2016-03-01", "jusqu'au 1er mars 2016"),
        (None, "2016-03", "jusqu'en mars 2016"),
        (None, "2016", "jusqu'en 2016"),
        ("2016-01-01", None, "depuis le 1er janvier 2016"),
        ("2013", None, "depuis 2013"),
        ("2015", "2017", "2015 – 2017"),
    ],
)
def test_periods_read_as_french(start, end, text):
    start = PartialDate.parse(start) if start else None
    end = PartialDate.parse(end) if end else None
    assert format_period(start, end) == text


def test_spacing_before_punctuation_inside_guillemets_and_numbers():
    assert french_spacing("Plan « 100 000 » logements : 1 200 000 €") == (
        f"Plan «{NNBSP}100{NNBSP}000{NNBSP}» logements{NNBSP}: 1{NNBSP}200{NNBSP}000 €"
    )
    # A year then a count are two numbers; an address keeps its "?".
    assert french_spacing("en 2009 120 entreprises") == "en 2009 120 entreprises"
    assert french_spacing("ajoutez ?sep=; pour") == "ajoutez ?sep=; pour"
    assert guillemets("pilote") == f"«{NNBSP}pilote{NNBSP}»"


@pytest.mark.parametrize(
    ("unit", "label", "said"),
    [
        ("opérations", "opérations de développement", True),
        ("journées", "journées de travail spécifique", True),
        ("parties prenantes", "parties prenantes des opérations de développement", True),
        ("emploi", "emplois créés", True),
        ("km", "de littoral", False),
        ("entreprises", "entreprises du Bassin Minier", True),
        ("emplois", "évolution du nombre d’emplois", False),
        ("", "personnes", False),
    ],
)
def test_unit_said_by_the_label(unit, label, said):
    assert unit_in_label(unit, label) is said


def test_key_figures_never_print_their_unit_twice():
    assert figure_text(Decimal("9"), "opérations", "opérations de développement") == (
        "9 opérations de développement"
    )
    assert figure_number(Decimal("200"), "parties prenantes", "parties prenantes des…", True) == (
        "plus de 200"
    )
    assert figure_number(Decimal("190"), "km", "de littoral") == "190 km"
    assert figure_number(Decimal("-15"), "%", "évolution") == "-15\u00a0%"
