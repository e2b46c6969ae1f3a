"""How the registry is found and followed: Atom feeds, iCalendar, sitemap and robots.txt.

All of it starts from `.published()`, like every public page. The initiative feeds and the
agenda take exactly the index's filters (`InitiativeFilter`), so that the feed or calendar of
a filtered list follows that list; a parameter they cannot honour (unknown, invalid, or a page
or sort order, which a feed has no use for) is refused with 400 and the reason, never ignored.
"""

import datetime

from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.http import Http404, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from actors.models import Organisation, Person
from initiatives.models import Document, Event, Initiative, Territory, Theme
from initiatives.typography import french_spacing
from portal.catalogue.filters import InitiativeFilter

FEED_SIZE = 50
PUBLISHER = "Région Hauts-de-France"
TITLE = _("Registre des initiatives — Hauts-de-France")
# Parameters of the index that make no sense for a feed or a calendar, and why.
NOT_FOR_FEEDS = {
    "page": "un flux n'a pas de pages : il donne toujours les dernières mises à jour.",
    "tri": "un flux suit son propre ordre (mises à jour récentes, ou dates des événements).",
}


class RefusedParameters(Exception):
    """The query of a feed or calendar cannot be honoured: the French reason is the message,
    `fields` the filters refused."""

    def __init__(self, message, fields=()):
        super().__init__(message)
        self.fields = set(fields)


def filter_parameters():
    return list(InitiativeFilter.base_filters)


def followed_query(data):
    """The filters of a query string in a stable form (known filters, in the index's order,
    empty values dropped): what the links to a list's feed, calendar and alerts carry."""
    query = QueryDict(mutable=True)
    for name in filter_parameters():
        if name in NOT_FOR_FEEDS:
            continue
        values = [value for value in data.getlist(name) if value.strip()]
        if values:
            query.setlist(name, values)
    return query.urlencode()


def list_filter(data, fixed=None):
    """The index's FilterSet for a feed, calendar or alert query, validated; `fixed` holds the
    filters given by the address (a theme feed's theme). Raises RefusedParameters."""
    fixed = fixed or {}
    reasons = []
    for name in sorted(data):
        if name in NOT_FOR_FEEDS:
            reasons.append(f"{name} : {NOT_FOR_FEEDS[name]}")
        elif name in fixed:
            reasons.append(f"{name} : déjà donné par l'adresse du flux.")
        elif name not in InitiativeFilter.base_filters:
            reasons.append(f"{name[:60]} : paramètre inconnu.")
    if reasons:
        raise RefusedParameters("Paramètres refusés. " + " ".join(reasons))
    query = data.copy()
    for name, value in fixed.items():
        query[name] = value
    filterset = InitiativeFilter(query)
    if not filterset.is_valid():
        errors = [
            f"{name} : {error}" if name != "__all__" else str(error)
            for name, messages in filterset.form.errors.items()
            for error in messages
        ]
        raise RefusedParameters("Filtres invalides. " + " ".join(errors), filterset.form.errors)
    return filterset


def refused(message):
    return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")


def filtered_initiatives(filterset):
    """Public initiatives of the filtered list (every public one without a filter)."""
    initiatives = Initiative.objects.published()
    if any(value not in (None, "", []) for value in filterset.form.cleaned_data.values()):
        initiatives = initiatives.filter(pk__in=filterset.qs.values("pk"))
    return initiatives


def describe(filterset):
    """The chosen filters in words: "Économie circulaire, Picardie, à partir de 2015"."""
    words = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", []) or name == "tri":
            continue
        field = filterset.form.fields[name]
        values = value if isinstance(value, list | tuple) or hasattr(value, "model") else [value]
        labels = dict(getattr(field, "choices", ()) or ())
        texts = [str(labels.get(item, item)) for item in values]
        if name == "q":
            texts = [f"« {text} »" for text in texts]
        elif name == "de":
            texts = [gettext("à partir de %(year)s") % {"year": text} for text in texts]
        elif name == "a":
            texts = [gettext("jusqu'en %(year)s") % {"year": text} for text in texts]
        words.append(gettext(" ou ").join(texts))
    return ", ".join(words)


class InitiativeFeed(Feed):
    """New and updated initiatives of the index's list for the query's filters, latest first."""

    feed_type = Atom1Feed
    subtitle = _("Initiatives publiées ou mises à jour dans le registre régional.")
    # RFC 4287 4.1.1: a feed names its author unless every entry does.
    author_name = PUBLISHER

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except RefusedParameters as error:
            return refused(str(error))

    def get_object(self, request, *args, **kwargs):
        return list_filter(request.GET)

    def title(self, filterset):
        chosen = describe(filterset)
        if chosen:
            return f"{TITLE} : {chosen}"
        return gettext("%(title)s : nouveautés et mises à jour") % {"title": TITLE}

    def author_link(self):
        return reverse("home")

    def link(self, filterset):
        query = followed_query(filterset.data)
        return reverse("initiative_index") + (f"?{query}" if query else "")

    def items(self, filterset):
        return (
            filtered_initiatives(filterset)
            .select_related("parent")
            .order_by("-updated_at", "pk")[:FEED_SIZE]
        )

    def item_title(self, item):
        return french_spacing(item.title)

    def item_description(self, item):
        return french_spacing(item.summary)

    def item_pubdate(self, item):
        return item.published_at or item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.get_kind_display(), item.get_status_display()]


class ThemeFeed(InitiativeFeed):
    """The feed of a theme (the index's `thematique`), with the other filters if given."""

    fixed = "thematique"

    def get_object(self, request, slug):
        try:
            return list_filter(request.GET, fixed={self.fixed: slug})
        except RefusedParameters as error:
            if self.fixed in error.fields:
                raise Http404("Aucune thématique ni aucun territoire à cette adresse.") from None
            raise


class TerritoryFeed(ThemeFeed):
    """The feed of a territory (the index's `territoire`), with the other filters if given."""

    fixed = "territoire"


# iCalendar (RFC 5545) --------------------------------------------------------------------

ICAL_STATUS = {
    Event.Status.PLANNED: "TENTATIVE",
    Event.Status.HELD: "CONFIRMED",
    Event.Status.CANCELLED: "CANCELLED",
    Event.Status.UNCONFIRMED: "TENTATIVE",
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
            f"SUMMARY:{_escape(french_spacing(event.title))}",
            f"STATUS:{ICAL_STATUS[event.status]}",
            f"URL:{url}",
        ]
        if place:
            lines.append(f"LOCATION:{_escape(place)}")
        description = " — ".join(
            part for part in (event.description, event.initiative.title) if part
        )
        lines += [f"DESCRIPTION:{_escape(french_spacing(description))}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    body = "\r\n".join(_fold(line) for line in lines) + "\r\n"
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    return response


# The agenda feed: this many events before today, and twice as many from today on.
AGENDA_ICS_AROUND = 500


def agenda_ics(request):
    """The events around today of the initiatives of the index's list for the query's filters:
    a calendar follows what is near, not thirty years of events (at a million initiatives, the
    whole agenda would be 500 000 events). An initiative's own calendar keeps all of its
    events."""
    try:
        filterset = list_filter(request.GET)
    except RefusedParameters as error:
        return refused(str(error))
    events = Event.objects.published().select_related("initiative", "territory")
    if request.GET:
        events = events.filter(initiative__in=filtered_initiatives(filterset).values("pk"))
    today = timezone.localdate().isoformat()
    before = events.filter(start__lt=today).order_by("-start", "-pk")[:AGENDA_ICS_AROUND]
    after = events.filter(start__gte=today).order_by("start", "pk")[: 2 * AGENDA_ICS_AROUND]
    chosen = describe(filterset)
    name = f"Registre des initiatives — agenda{f' : {chosen}' if chosen else ''}"
    return calendar(request, [*reversed(before), *after], name)


def initiative_ics(request, slug):
    if request.GET:
        return refused(
            "Paramètres refusés. Le calendrier d'une initiative donne tous ses événements ; "
            "pour filtrer, utilisez l'agenda de la liste (/agenda.ics)."
        )
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
