"""Keyset pagination of the API's lists: a page is "the rows after (or before) this row in the
list's order", read as `WHERE key > cursor ORDER BY key LIMIT n` on an index, so that a deep
page costs what the first one costs, and a link names a place in the list rather than an
offset: publishing or withdrawing records before it never shifts the page it leads to.

The cursor is opaque to clients: the sort key of the row it follows (or precedes), the list
and the parameters it was made for, signed with the secret key. A garbled, forged or foreign
cursor is a 400 in French, never a 500.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.core import signing
from django.db.models import F, FloatField, Func, Q, Value

from initiatives.partial_dates import PartialDate

SALT = "portal.opendata.api.cursor"
# The deepest result a page number may reach (as search engines do): beyond, an OFFSET would
# read every row before the page; the `next` links (cursors) go on at the same cost.
MAX_OFFSET = 10_000

INVALID = (
    "Curseur invalide\u202f: utilisez tel quel le lien « next » ou « previous » d'une réponse."
)
FOREIGN = (
    "Ce curseur a été donné pour une autre liste ou d'autres filtres\u202f: gardez les "
    "paramètres de la réponse qui l'a donné (seul page_size peut changer)."
)
WITH_PAGE = "« page » et « cursor » ne se combinent pas\u202f: le curseur désigne déjà la page."
TOO_DEEP = (
    f"Les numéros de page s'arrêtent aux {MAX_OFFSET:,} premiers résultats\u202f: au-delà, "
    "suivez les liens « next » et « previous » (paramètre cursor), aussi rapides à toute "
    "profondeur."
).replace(",", "\u202f")


class CursorError(ValueError):
    def __init__(self, name, message):
        super().__init__(message)
        self.name = name
        self.message = message


class Real(Func):
    """A value compared as PostgreSQL's `real`, as the search rank is: a double would differ
    from the rank it was read from in its last digits."""

    template = "(%(expressions)s)::real"
    output_field = FloatField()


def of_type(*types):
    def check(value):
        if not isinstance(value, types) or isinstance(value, bool):
            raise TypeError(value)
        return value

    return check


def text_then(parse):
    return lambda value: parse(of_type(str)(value))


# How each kind of key value travels in a cursor (JSON) and comes back.
ENCODERS = {
    "text": (lambda value: value, of_type(str)),
    "int": (lambda value: value, of_type(int)),
    "datetime": (lambda value: value.isoformat(), text_then(datetime.datetime.fromisoformat)),
    "partial_date": (lambda value: value.iso, text_then(PartialDate.parse)),
    "real": (lambda value: value, lambda value: float(of_type(int, float)(value))),
}


@dataclass(frozen=True)
class Key:
    """One column of a list's order: a field or annotation of the queryset."""

    name: str
    descending: bool = False
    nulls_last: bool = False  # a nullable ascending key, its nulls after every value
    kind: str = "text"

    def read(self, row):
        value = row[self.name] if isinstance(row, dict) else getattr(row, self.name)
        return None if value is None else ENCODERS[self.kind][0](value)

    def value(self, value):
        return Real(Value(value)) if self.kind == "real" else value

    def order(self, forward):
        up = self.descending != forward  # ascending in the direction of travel
        column = F(self.name)
        if not self.nulls_last:
            return column.asc() if up else column.desc()
        return column.asc(nulls_last=True) if up else column.desc(nulls_first=True)

    def equal(self, value):
        if value is None:
            return Q(**{f"{self.name}__isnull": True})
        return Q(**{self.name: self.value(value)})

    def beyond(self, value, forward, inclusive=False):
        """The rows after `value` in the direction of travel, on this key alone."""
        up = self.descending != forward
        if value is None:  # only a nulls-last key holds None: nulls are at the end
            return Q(pk__in=[]) if forward else Q(**{f"{self.name}__isnull": False})
        lookup = ("gt" if up else "lt") + ("e" if inclusive else "")
        condition = Q(**{f"{self.name}__{lookup}": self.value(value)})
        if self.nulls_last and forward:
            condition |= Q(**{f"{self.name}__isnull": True})
        return condition


class Keyset:
    def __init__(self, *keys):
        self.keys = keys

    def ordering(self, forward=True):
        return [key.order(forward) for key in self.keys]

    def read(self, row):
        return [key.read(row) for key in self.keys]

    def beyond(self, values, forward):
        """Rows strictly after `values` in the direction of travel: lexicographic, with the
        first key's range said on its own so that PostgreSQL reads its index from there."""
        condition, equal = Q(pk__in=[]), Q()
        for key, value in zip(self.keys, values, strict=True):
            condition |= equal & key.beyond(value, forward)
            equal &= key.equal(value)
        first, value = self.keys[0], values[0]
        if value is not None and not (first.nulls_last and forward):
            condition &= first.beyond(value, forward, inclusive=True)
        return condition

    def decode(self, values):
        """Values from a cursor back to Python values, or CursorError."""
        if not isinstance(values, list) or len(values) != len(self.keys):
            raise CursorError("cursor", INVALID)
        decoded = []
        for key, value in zip(self.keys, values, strict=True):
            if value is None:
                if not key.nulls_last:
                    raise CursorError("cursor", INVALID)
                decoded.append(None)
                continue
            try:
                decoded.append(ENCODERS[key.kind][1](value))
            except (TypeError, ValueError, AttributeError):
                raise CursorError("cursor", INVALID) from None
        return decoded


def scope(request, ignored=("cursor", "page", "page_size")):
    """What a cursor is valid for: the list's address and its other parameters, empty ones
    left out (as the schemas read them)."""
    items = sorted(
        (name, value)
        for name in request.GET
        if name not in ignored
        for value in request.GET.getlist(name)
        if value != ""
    )
    text = repr((request.path, items)).encode()
    return hashlib.blake2b(text, digest_size=9).hexdigest()


def signer():
    return signing.Signer(salt=SALT)  # no timestamp: the same place, the same link


def make(request, values, forward):
    return signer().sign_object({"s": scope(request), "f": forward, "v": values})


def read(request, cursor, keyset):
    """(values, forward) from a cursor, or CursorError."""
    try:
        data = signer().unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError):
        raise CursorError("cursor", INVALID) from None
    if not isinstance(data, dict) or not isinstance(data.get("f"), bool):
        raise CursorError("cursor", INVALID)
    if data.get("s") != scope(request):
        raise CursorError("cursor", FOREIGN)
    return keyset.decode(data.get("v")), data["f"]
