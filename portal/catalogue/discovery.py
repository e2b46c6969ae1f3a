"""How the registry is found and followed: Atom feeds, iCalendar, sitemap and robots.txt.

All of it starts from `.published()`, like every public page.
"""

import datetime

from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from actors.models import Organisation, Person
from initiatives.models import Document, Event, Initiative, Territory, Theme

FEED_SIZE = 50


class InitiativeFeed(Feed):
    """New and updated initiatives, the latest first."""

    feed_type = Atom1Feed
    title = "Registre des initiatives — Hauts-de-France : nouveautés et mises à jour"
    subtitle = "Initiatives publiées ou mises à jour dans le registre régional."

    def link(self, obj=None):
        return reverse("initiative_index")

    def items(self, obj=None):
        return (
            self.initiatives(obj).select_related("parent").order_by("-updated_at", "pk")[:FEED_SIZE]
        )

    def initiatives(self, obj):
        return Initiative.objects.published()

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.published_at or item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.get_kind_display(), item.get_status_display()]


class ThemeFeed(InitiativeFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Theme, slug=slug)

    def title(self, obj):
        return f"Registre des initiatives — {obj.name}"

    def link(self, obj):
        return f"{reverse('initiative_index')}?thematique={obj.slug}"

    def initiatives(self, obj):
        return Initiative.objects.published().in_theme(obj)


class TerritoryFeed(InitiativeFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Territory, slug=slug)

    def title(self, obj):
        return f"Registre des initiatives — {obj.name}"

    def link(self, obj):
        return f"{reverse('initiative_index')}?territoire={obj.slug}"

    def initiatives(self, obj):
        return Initiative.objects.published().in_territory(obj)


# iCalendar (RFC 5545) --------------------------------------------------------------------

ICAL_STATUS = {
    Event.Status.PLANNED: "TENTATIVE",
    Event.Status.HELD: "CONFIRMED",
    Event.Status.CANCELLED: "CANCELLED",
}


def _escape(text):
    return (
        str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n")
    )  # fmt: skip


def _fold(line):
    """Lines of at most 75 octets, continued by a space (RFC 5545, 3.1)."""
    encoded = line.encode()
    parts = []
    while len(encoded) > 75:
        cut = 75 if not parts else 74
        while cut and (encoded[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(encoded[:cut].decode())
        encoded = encoded[cut:]
    parts.append(encoded.decode())
    return "\r\n ".join(parts)


def calendar(request, events, name):
    """Events whose day is known, as all-day events (the registry holds dates, not hours)."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    host = request.get_host().split(":")[0]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Région Hauts-de-France//Registre des initiatives//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
        "X-WR-TIMEZONE:Europe/Paris",
    ]
    for event in events:
        if not (event.start and event.start.precision == "day"):
            continue
        last = event.end if event.end and event.end.precision == "day" else event.start
        url = request.build_absolute_uri(event.initiative.get_absolute_url())
        place = ", ".join(
            part for part in (event.venue, getattr(event.territory, "name", "")) if part
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{event.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{event.start.first_day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{last.first_day + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(event.title)}",
            f"STATUS:{ICAL_STATUS[event.status]}",
            f"URL:{url}",
        ]
        if place:
            lines.append(f"LOCATION:{_escape(place)}")
        description = " — ".join(
            part for part in (event.description, event.initiative.title) if part
        )
        lines += [f"DESCRIPTION:{_escape(description)}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    body = "\r\n".join(_fold(line) for line in lines) + "\r\n"
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    return response


# The agenda feed: this many events before today, and twice as many from today on.
AGENDA_ICS_AROUND = 500


def agenda_ics(request):
    """The events around today: a calendar follows what is near, not thirty years of events
    (at a million initiatives, the whole agenda would be 500 000 events). An initiative's own
    calendar keeps all of its events."""
    events = Event.objects.published().select_related("initiative", "territory")
    today = timezone.localdate().isoformat()
    before = events.filter(start__lt=today).order_by("-start", "-pk")[:AGENDA_ICS_AROUND]
    after = events.filter(start__gte=today).order_by("start", "pk")[: 2 * AGENDA_ICS_AROUND]
    return calendar(request, [*reversed(before), *after], "Registre des initiatives — agenda")


def initiative_ics(request, slug):
    initiative = Initiative.objects.published().filter(slug=slug).first()
    if initiative is None:
        raise Http404("Initiative inconnue.")
    events = initiative.events.select_related("initiative", "territory").order_by("start")
    return calendar(request, events, initiative.title)


# Sitemap and robots.txt ------------------------------------------------------------------


# URLs in one sitemap file. The protocol allows 50,000; smaller files keep each response
# quick to build (about 0.3 s for 2,000; a crawler fetches them one by one from the index).
SITEMAP_SIZE = 2000


class RecordSitemap(Sitemap):
    limit = SITEMAP_SIZE

    def __init__(self, queryset, lastmod_field="updated_at", priority=0.5):
        self.queryset = queryset
        self.lastmod_field = lastmod_field
        self.priority = priority

    def items(self):
        # The address needs the slug only: no long texts loaded for thousands of rows.
        fields = ["slug", self.lastmod_field] if self.lastmod_field else ["slug"]
        return self.queryset.only(*fields).order_by("pk")

    def lastmod(self, obj):
        return getattr(obj, self.lastmod_field, None) if self.lastmod_field else None

    def get_latest_lastmod(self):
        """For the index, in one aggregate (Django's default calls lastmod on every item)."""
        if not self.lastmod_field:
            return None
        return self.queryset.aggregate(latest=Max(self.lastmod_field))["latest"]


class SectionSitemap(Sitemap):
    priority = 0.6

    def items(self):
        return [
            "home", "initiative_index", "actors:index", "initiatives:territories",
            "initiatives:themes", "initiatives:agenda", "initiatives:documents",
        ]  # fmt: skip

    def location(self, item):
        return reverse(item)


# /sitemap.xml is the index: one entry for each page of each section (/sitemap-<section>.xml).
SITEMAPS = {
    "sections": SectionSitemap(),
    "initiatives": RecordSitemap(Initiative.objects.published(), priority=0.8),
    "organisations": RecordSitemap(Organisation.objects.published()),
    "personnes": RecordSitemap(Person.objects.published()),
    "documents": RecordSitemap(Document.objects.published()),
    "territoires": RecordSitemap(Territory.objects.all(), lastmod_field=None),
    "thematiques": RecordSitemap(Theme.objects.all(), lastmod_field=None),
}


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Allow: /", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
