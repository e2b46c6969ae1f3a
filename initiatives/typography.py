"""French typography, one helper per rule, for every text shown to people: pages (through the
`registre` template filters), feeds, calendars, exports' display text and emails.

- spacing: a narrow no-break space before ; : ! ? » and after «, and inside digit groups;
- plural agreement by count (French: 0 and 1 take the singular) and by gender and number;
- dates: "1er novembre 2026", and "jusqu'au 31 décembre" / "jusqu'en 2016";
- key figures: the unit is not printed when the label already begins with it.
"""

import datetime
import re

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from initiatives.numbers import NBSP, french_number

NARROW_NBSP = "\u202f"

# Spacing --------------------------------------------------------------------------------

# Not before a word: " ?sep=;" and " :80" are addresses, not punctuation.
_SPACE_BEFORE = re.compile(r"[ \u00a0]([;:!?»])(?![\w=&/])")
_AFTER_GUILLEMET = re.compile(r"«[ \u00a0]?")
_STUCK = re.compile(r"(?<=[\w)])([;!?])(?=$|\))")  # "mot;" but not "?x=" or "3:00"
# "100 000", "1 200 000": a group of one to three digits, then groups of three, never a year
# followed by a count ("en 2009 120 entreprises" stays as it is).
_DIGIT_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0]\d{3})+(?![\d])")
_TAG = re.compile(r"(<[^>]*>|&[#\w]+;)")  # tags and character references stay untouched


def _bind_digits(match):
    return re.sub(r"[ \u00a0]", NARROW_NBSP, match.group(0))


def french_spacing(text):
    """Narrow no-break spaces where French wants them, in text only (not in tags, entities or
    URLs): before ; : ! ? », after «, and between the digit groups of a number."""
    parts = _TAG.split(text)
    for index in range(0, len(parts), 2):  # even indexes are the text between tags
        segment = _SPACE_BEFORE.sub(NARROW_NBSP + r"\1", parts[index])
        segment = _AFTER_GUILLEMET.sub("«" + NARROW_NBSP, segment)
        segment = _DIGIT_GROUPS.sub(_bind_digits, segment)
        if ";" in segment or "!" in segment or "?" in segment:  # what _STUCK looks for
            segment = " ".join(
                word
                if "://" in word or word.startswith("www.")
                else _STUCK.sub(NARROW_NBSP + r"\1", word)
                for word in segment.split(" ")
            )
        parts[index] = segment
    return "".join(parts)


def french_text(text):
    """Plain text, escaped, then spaced the French way: safe to put in HTML."""
    return mark_safe(french_spacing(str(conditional_escape(text))))


def guillemets(text):
    """ "« texte »": French quotation marks with their narrow no-break spaces."""
    return f"«{NARROW_NBSP}{text}{NARROW_NBSP}»"


# Plural and gender agreement ------------------------------------------------------------


def is_plural(count):
    """French counts: "0 initiative", "1 initiative", "2 initiatives" (plural from two on)."""
    if not isinstance(count, int | float):
        try:
            count = float(count)
        except (TypeError, ValueError):
            count = len(count)
    return abs(count) >= 2


def agree(count, singular, plural=None):
    """The word for this many: agree(0, "initiative") → "initiative"; plural defaults to +s."""
    return (plural or f"{singular}s") if is_plural(count) else singular


MASCULINE, FEMININE, MASCULINE_PLURAL, FEMININE_PLURAL = "m", "f", "mp", "fp"


def agree_gender(word, gender):
    """A regular adjective or participle given in the masculine singular, agreed with a noun of
    that gender and number: ("Fusionné", "f") → "Fusionnée", ("Issu", "mp") → "Issus"."""
    gender = gender or MASCULINE
    return word + ("e" if gender.startswith(FEMININE) else "") + ("s" if gender[1:] else "")


# Dates ----------------------------------------------------------------------------------


def day_of_month(day):
    """ "1er" for the first of the month, the plain number otherwise."""
    return "1er" if day == 1 else str(day)


def _is_french():
    return (translation.get_language() or "fr").startswith("fr")


def french_date(value, month="F"):
    """ "1er novembre 2026", "21 mars 2016" (month="N": "1er nov. 2026"); "" for nothing.
    A datetime is shown as the day it is in the site's time zone."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    if not _is_french():
        return date_format(value, f"j {month} Y")
    return f"{day_of_month(value.day)} {date_format(value, f'{month} Y')}"


def french_datetime(value):
    """ "1er novembre 2026 à 14:05", in the site's time zone."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    joiner = "à" if _is_french() else "at"
    return f"{french_date(value)} {joiner} {date_format(value, 'H:i')}"


def since(start):
    """The start of a period without an end: "depuis le 1er janvier 2016", "depuis mars 2016",
    "depuis 2016"."""
    return f"depuis le {start}" if getattr(start, "day", None) else f"depuis {start}"


def until(end):
    """The end of a period without a start: "jusqu'au 31 décembre 2015", "jusqu'au 1er mars
    2016", "jusqu'en mars 2016", "jusqu'en 2016" (a partial date or a date)."""
    day = getattr(end, "day", None)
    return f"jusqu'au {end}" if day else f"jusqu'en {end}"


# Key figures ----------------------------------------------------------------------------

_WORD = re.compile(r"[\w’'-]+")


def _stem(word):
    word = word.casefold()
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def unit_in_label(unit, label):
    """Whether the label already begins with the unit ("opérations" / "opérations de
    développement", "emploi" / "emplois créés"): then the unit is not printed twice."""
    unit_words = _WORD.findall(unit or "")
    label_words = _WORD.findall(label or "")
    if not unit_words or len(label_words) < len(unit_words):
        return False
    leading = label_words[: len(unit_words)]
    return all(_stem(a) == _stem(b) for a, b in zip(unit_words, leading, strict=True))


def figure_number(value, unit, label, is_lower_bound=False):
    """The number of a key figure with its unit when the label does not say it: "9" (label
    "opérations de développement"), "190 km" (label "de littoral"), "-15 %", "plus de 200"."""
    number = french_number(value)
    if unit == "%":
        number = f"{number}{NBSP}%"
    elif unit and not unit_in_label(unit, label):
        number = f"{number} {unit}"
    return f"plus de {number}" if is_lower_bound else number


def figure_text(value, unit, label, is_lower_bound=False):
    """The whole figure as one phrase: "9 opérations de développement"."""
    number = figure_number(value, unit, label, is_lower_bound)
    return " ".join(part for part in (number, label) if part)
