from decimal import Decimal

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from initiatives.markdown import french_spacing

register = template.Library()

NBSP = "\u00a0"


@register.filter
def fr_number(value):
    """37000 → "37 000", Decimal("-15.00") → "-15", 2.5 → "2,5" (French typography)."""
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


@register.filter
def figure(key_figure):
    """ "plus de 200 parties prenantes", "-15 % évolution…" """
    unit = key_figure.unit
    value = fr_number(key_figure.value)
    number = f"{value}{NBSP}%" if unit == "%" else f"{value} {unit}".strip()
    return f"plus de {number}" if key_figure.is_lower_bound else number


@register.filter(needs_autoescape=True)
def fr_text(value, autoescape=True):
    """Escape, then space the punctuation the French way ("Objectifs :" keeps its colon)."""
    text = conditional_escape(value) if autoescape else str(value)
    return mark_safe(french_spacing(str(text)))


@register.filter
def indent(depth):
    """Indentation of a nested option in a <select> (options cannot hold markup)."""
    return "\u00a0\u00a0" * int(depth or 0)


@register.filter
def field_label(form, name):
    field = form.fields.get(name)
    return field.label if field is not None else name


@register.simple_tag(takes_context=True)
def page_query(context, number):
    """The current query string with another page number: filters survive pagination."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.filter
def subtract(value, other):
    return int(value) - int(other)
