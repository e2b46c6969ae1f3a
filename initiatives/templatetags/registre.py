import json

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from initiatives import typography
from initiatives.numbers import french_number
from initiatives.typography import french_spacing

register = template.Library()


@register.filter
def fr_number(value):
    """37000 → "37 000", Decimal("-15.00") → "-15", 2.5 → "2,5" (French typography)."""
    return french_number(value)


@register.filter
def figure(key_figure):
    """The number and its unit, unless the label already says it: "plus de 200" (label
    "parties prenantes…"), "190 km" (label "de littoral"), "-15 %"."""
    return typography.figure_number(
        key_figure.value, key_figure.unit_i18n, key_figure.label_i18n, key_figure.is_lower_bound
    )


@register.filter
def fr_pluralize(count, suffixes="s"):
    """Like Django's `pluralize`, with the French rule: "0 initiative", "2 initiatives"; the
    argument is "s" (the default), "x", or "singular,plural" endings ("al,aux")."""
    singular, _, plural = suffixes.rpartition(",") if "," in suffixes else ("", "", suffixes)
    try:
        return plural if typography.is_plural(count) else singular
    except TypeError:
        return ""


@register.filter
def gender(word, grammatical_gender):
    """ "Fusionné"|gender:territory.gender → "Fusionnée" for Picardie (féminin)."""
    return typography.agree_gender(word, grammatical_gender)


@register.filter
def fr_date(value):
    """ "1er novembre 2026", "21 mars 2016": a date or a datetime (its day, local time)."""
    return typography.french_date(value)


@register.filter
def fr_datetime(value):
    """ "1er novembre 2026 à 14:05", in the site's time zone."""
    return typography.french_datetime(value)


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
def page_query(context, number, name=""):
    """The current query string with another page number: filters survive pagination, and so
    does the page of another list on the same page (`name`, "page" by default)."""
    query = context["request"].GET.copy()
    query[name or "page"] = number
    return "?" + query.urlencode()


@register.simple_tag
def page_numbers(page):
    """The first and last pages, the current one and its neighbours; None for each gap."""
    return [
        None if number == page.paginator.ELLIPSIS else number
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]


@register.filter
def subtract(value, other):
    return int(value) - int(other)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's address without its query string: the one search engines should keep."""
    request = context["request"]
    return request.build_absolute_uri(request.path)


_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def jsonld(data):
    """A schema.org data block. Escaped as json_script does, so no text can close the tag;
    browsers do not execute it, so the Content-Security-Policy stays strict."""
    text = json.dumps(data, ensure_ascii=False, default=str).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.simple_tag(takes_context=True)
def schema_org(context, obj, kind):
    """schema.org description of a record shown on its page (Project, Organization, Person)."""
    request = context["request"]
    url = request.build_absolute_uri(obj.get_absolute_url())
    builder = {"project": _project, "organization": _organization, "person": _person}[kind]
    return jsonld({"@context": "https://schema.org", **builder(obj, url, context)})


def _iso(partial):
    return partial.iso if partial else None


def _clean(data):
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _project(initiative, url, context):
    roles = context.get("roles", {})
    funders = [i.actor for group in roles.values() for i in group if i.role == "funder"]
    return _clean(
        {
            "@type": "Project",
            "name": initiative.title,
            "alternateName": initiative.acronym,
            "description": initiative.summary,
            "url": url,
            "foundingDate": _iso(initiative.start),
            "dissolutionDate": _iso(initiative.end),
            "areaServed": [territory.name for territory in initiative.territories.all()],
            "keywords": ", ".join(theme.name for theme in initiative.themes.all()),
            "funder": [{"@type": _actor_type(actor), "name": str(actor)} for actor in funders],
            "event": [_event(event) for event in initiative.events.all()],
        }
    )


def _actor_type(actor):
    return "Person" if hasattr(actor, "first_name") else "Organization"


def _event(event):
    status = {
        "cancelled": "EventCancelled",
        "planned": "EventScheduled",
        "held": "EventScheduled",
        "unconfirmed": "EventScheduled",
    }
    return _clean(
        {
            "@type": "Event",
            "name": event.title,
            "startDate": _iso(event.start),
            "endDate": _iso(event.end),
            "eventStatus": f"https://schema.org/{status[event.status]}",
            "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
            "location": _clean(
                {
                    "@type": "Place",
                    "name": event.venue or getattr(event.territory, "name", ""),
                    "address": getattr(event.territory, "name", ""),
                }
            ),
            "description": event.description,
        }
    )


def _organization(organisation, url, context):
    return _clean(
        {
            "@type": "Organization",
            "name": organisation.name,
            "alternateName": organisation.acronym,
            "description": organisation.description,
            "url": url,
            "sameAs": organisation.website,
            "foundingDate": _iso(organisation.founded_on),
            "dissolutionDate": _iso(organisation.dissolved_on),
            "parentOrganization": (
                {"@type": "Organization", "name": context["parent"].name}
                if context.get("parent")  # the view gives it only when it is published
                else None
            ),
            "areaServed": getattr(organisation.territory, "name", None),
        }
    )


def _person(person, url, context):
    contact = person.public_contact()  # empty without recorded consent
    return _clean(
        {
            "@type": "Person",
            "name": person.full_name,
            "givenName": person.first_name,
            "familyName": person.last_name,
            "description": person.biography,
            "url": url,
            "jobTitle": [a.job_title for a in person.affiliations.all()],
            "affiliation": [
                {"@type": "Organization", "name": a.organisation.name}
                for a in person.affiliations.all()
            ],
            "email": contact.get("email"),
            "telephone": contact.get("phone"),
        }
    )


@register.simple_tag
def events_schema(*event_lists):
    """schema.org Event data blocks for the events listed on a page (the agenda)."""
    events = [_event(event) for events in event_lists for event in events]
    return jsonld([{"@context": "https://schema.org", **event} for event in events])
