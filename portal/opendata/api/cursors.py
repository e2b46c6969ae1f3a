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
    "real": (lambda value: value, lambda value: float(of_type(int, float)(value))),
}


@dataclass(frozen=True)
class Key:
    """One column of a list's order: a field or annotation of the queryset."""

    name: str
    descending: bool = False
    kind: str = "text"

    def read(self, row):
        value = row[self.name] if isinstance(row, dict) else getattr(row, self.name)
        return ENCODERS[self.kind][0](value)

    def value(self, value):
        return Real(Value(value)) if self.kind == "real" else value

    def order(self, forward):
        up = self.descending != forward  # ascending in the direction of travel
        return F(self.name).asc() if up else F(self.name).desc()

    def equal(self, value):
        return Q(**{self.name: self.value(value)})

    def beyond(self, value, forward, inclusive=False):
        """The rows after `value` in the direction of travel, on this key alone."""
        lookup = ("gt" if self.descending != forward else "lt") + ("e" if inclusive else "")
        return Q(**{f"{self.name}__{lookup}": self.value(value)})


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
        return condition & self.keys[0].beyond(values[0], forward, inclusive=True)

    def decode(self, values):
        """Values from a cursor back to Python values, or CursorError."""
        if not isinstance(values, list) or len(values) != len(self.keys):
            raise CursorError("cursor", INVALID)
        decoded = []
        for key, value in zip(self.keys, values, strict=True):
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
