"""Partial dates: "2009", "03/1999", "21 mars 2016", as the seed documents give them.

Stored as ISO text of the known precision ("2009", "1999-03", "2016-03-21"). That text sorts
chronologically as plain strings, a year before its months, so the database orders and compares
partial dates without any function.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import translation
from django.utils.html import format_html

from initiatives.typography import day_of_month, since, until

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
_MONTH_NUMBERS = {name: number for number, name in enumerate(MONTHS, start=1)}
_MONTH_NUMBERS.update({"fevrier": 2, "aout": 8, "decembre": 12})

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_SLASHED = re.compile(r"^(?:(\d{1,2})\s*/\s*)?(\d{1,2})\s*/\s*(\d{4})$")  # 21/03/2016, 03 / 1999
_YEAR_SLASH_MONTH = re.compile(r"^(\d{4})\s*/\s*(\d{1,2})$")  # 1998/02, as in library records
_WORDS = re.compile(r"^(?:(1er|\d{1,2})\s+)?([a-zéû]+)\s+(\d{4})$")  # 21 mars 2016, mars 2016


@dataclass(frozen=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self):
        if not 1 <= self.year <= 9999:
            raise ValueError("l'année doit être comprise entre 1 et 9999")
        if self.month is None and self.day is not None:
            raise ValueError("un jour sans mois n'est pas une date")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"le mois {self.month} n'existe pas")
        if self.day is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise ValueError(
                    f"le {self.day} n'existe pas en {MONTHS[self.month - 1]} {self.year}"
                )

    @classmethod
    def parse(cls, value):
        """Read ISO ("2016-03"), French numeric ("21/03/2016", "03 / 1999") or words."""
        if isinstance(value, cls):
            return value
        if isinstance(value, datetime.date):
            return cls(value.year, value.month, value.day)
        text = " ".join(str(value).strip().lower().split())
        if match := _ISO.match(text):
            year, month, day = match.groups()
        elif match := _SLASHED.match(text):
            day, month, year = match.groups()
        elif match := _YEAR_SLASH_MONTH.match(text):
            (year, month), day = match.groups(), None
        elif (match := _WORDS.match(text)) and match.group(2) in _MONTH_NUMBERS:
            day, month_name, year = match.groups()
            month, day = _MONTH_NUMBERS[month_name], ("1" if day == "1er" else day)
        else:
            raise ValueError(
                f"« {value} » n'est pas une date reconnue (ex. 2016, 03/2016, 21/03/2016)"
            )
        return cls(int(year), int(month) if month else None, int(day) if day else None)

    @property
    def precision(self):
        return "day" if self.day else "month" if self.month else "year"

    @property
    def iso(self):
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def typed(self):
        """ "2017", "mars 2017", "12/03/2017": what a form shows and reads back."""
        if self.day:
            return f"{self.day:02d}/{self.month:02d}/{self.year:04d}"
        if self.month:
            return f"{MONTHS[self.month - 1]} {self.year:04d}"
        return f"{self.year:04d}"

    @property
    def first_day(self):
        return datetime.date(self.year, self.month or 1, self.day or 1)

    @property
    def last_day(self):
        month = self.month or 12
        return datetime.date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def __str__(self):
        if english():
            return " ".join(
                str(part)
                for part in (self.day, self.month and ENGLISH_MONTHS[self.month - 1], self.year)
                if part
            )
        # French usage: "2015", "mars 2016", "21 mars 2016", and "1er" for the first of a month.
        if self.day:
            return f"{day_of_month(self.day)} {MONTHS[self.month - 1]} {self.year}"
        if self.month:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return str(self.year)

    def __lt__(self, other):
        return self.iso < other.iso

    def __le__(self, other):
        return self.iso <= other.iso

    def __gt__(self, other):
        return self.iso > other.iso

    def __ge__(self, other):
        return self.iso >= other.iso


# Dates are written by the rules of the page's language: the English pages (/en/) say
# "21 March 2016", "since 2013"; everything else, staff pages included, is French.
ENGLISH_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def english():
    return (translation.get_language() or "").startswith("en")


def format_period(start, end):
    """ "depuis 2013", "2015 – 2017", "jusqu'en 2016", "jusqu'au 31 décembre 2015", "" """
    if english() and not (start and end):
        return f"since {start}" if start else f"until {end}" if end else ""
    if start and end:
        return str(start) if start == end else f"{start} – {end}"
    if start:
        return since(start)
    if end:
        return until(end)
    return ""


HINT = "2017, mars 2017 ou 12/03/2017"


class PartialDateInput(forms.TextInput):
    """A text input with the accepted forms written under it, in inlines' cells too."""

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="partial-date">{}<div class="help partial-date-hint">{}</div></div>',
            field,
            HINT,
        )


class PartialDateFormField(forms.CharField):
    widget = PartialDateInput

    def __init__(self, **kwargs):
        # No max_length validator: it would measure the cleaned PartialDate, not the text.
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "40")

    def prepare_value(self, value):
        # Shown as staff write it, and in a form this field reads back unchanged.
        if isinstance(value, PartialDate):
            return value.typed
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return PartialDate.parse(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None


class PartialDateField(models.CharField):
    description = "Date partielle (année, mois ou jour)"

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 10
        super().__init__(*args, **kwargs)
        # The value is a PartialDate, not a str: its ISO form always fits in 10 characters.
        self.validators[:] = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_length"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return None if value in (None, "") else PartialDate.parse(value)

    def to_python(self, value):
        if value in (None, "") or isinstance(value, PartialDate):
            return value or None
        try:
            return PartialDate.parse(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None

    def get_prep_value(self, value):
        value = self.to_python(value)
        return value.iso if value else None

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return value.iso if value else ""

    def formfield(self, **kwargs):
        # The admin gives every CharField its own text input: this one keeps the hint.
        return super().formfield(
            **{"form_class": PartialDateFormField, **kwargs, "widget": PartialDateInput}
        )
