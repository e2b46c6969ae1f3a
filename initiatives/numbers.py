"""Numbers the French way: "1 200", "1 200,5", and read back however staff type them."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

NBSP = "\u00a0"
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007']")  # spaces, no-break spaces, 1'200


def french_number(value):
    """37000 → "37 000", Decimal("-15.00") → "-15", 2.5 → "2,5" (no-break space groups)."""
    if value in (None, ""):
        return ""
    number = Decimal(value).normalize()
    sign = "-" if number < 0 else ""
    integer, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while integer:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    text = NBSP.join(groups)
    return f"{sign}{text},{fraction}" if fraction else f"{sign}{text}"


def parse_number(text):
    """ "1 200,50", "1200.50", "1 200" (any space) → Decimal; ValueError if not a number."""
    compact = _SPACES.sub("", str(text)).replace("\u2212", "-")
    if "," in compact and "." in compact:
        raise ValueError("two decimal marks")
    try:
        number = Decimal(compact.replace(",", "."))
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a number")
    return number


class FrenchDecimalField(forms.DecimalField):
    """A decimal shown as "1 200,5" and read from "1 200,50", "1200.50" or "1 200"."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.pop("localize", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def widget_attrs(self, widget):
        return {}  # no step/min/max: the text input takes French spacing, not a number input

    def prepare_value(self, value):
        if isinstance(value, Decimal | int | float):
            return french_number(value)
        return value

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_number(value)
        except ValueError:
            raise ValidationError(
                "Saisissez un nombre, par exemple 1 200 ou 1 200,50.", code="invalid"
            ) from None


def plural(count, one, several, zero=None):
    """ "1 fiche", "3 fiches", and for none the French "aucune fiche" (zero, if given)."""
    if count == 0 and zero is not None:
        return zero
    return f"{count} {one if count <= 1 else several}"
