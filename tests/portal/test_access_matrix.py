"""Access-control matrix, in the style of pretix's permission tests.

Every URL of the site, of the admin and of the exports is requested by four users (anonymous,
Rédacteur, Relecteur, superuser) against records in each publication state (draft, review,
published, archived). Each record, each row attached to it and each slug is a unique marker: the
marker of something the public may not see must never reach a public response, whoever asks.
Published records must show theirs, which proves the detection works.

The matrix is built from data: the public URLs come from the URL resolver (a new URL without
arguments is exercised as soon as it exists; one with arguments must be mapped below, or
`test_every_url_pattern_is_in_the_matrix` fails), the admin URLs from the admin registry.

The data is created once for the module and rolled back at its end. Each test loops over its
part of the matrix and reports every failure at once: URL, role, state, got, expected.
Defects of the application found by the matrix are listed in KNOWN_FAILURES with the reason:
their checks stay, and fail once the defect is fixed until the list is updated.
"""

import io
import logging
import random
import re
import string
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from actors.models import Affiliation, Funding, Involvement, Organisation, Person
from actors.privacy import Erasure
from initiatives import workflow
from initiatives.models import (
    ActivityType,
    Document,
    Event,
    Initiative,
    KeyFigure,
    Keyword,
    Milestone,
    PublicationState,
    ReviewEmailPreference,
    SourceCitation,
    Territory,
    Theme,
)
from portal import staff
from portal.models import Alert
from portal.opendata import access
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

STATES = [state.value for state in PublicationState]  # draft, review, published, archived
PUBLISHED = PublicationState.PUBLISHED.value
HIDDEN_STATES = [state for state in STATES if state != PUBLISHED]
LOCKED_STATES = [PublicationState.PUBLISHED.value, PublicationState.ARCHIVED.value]
ROLES = ["anonymous", "writer", "reviewer", "superuser"]
PREVIEW_BANNER = "Aperçu réservé aux agents"
PUBLISHABLE_MODELS = {
    Initiative: "initiative",
    Document: "document",
    Organisation: "organisation",
    Person: "person",
}
# The field of each admin-registered model that holds its marker (its "title").
NAME_FIELDS = {
    Initiative: "title",
    Document: "title",
    Organisation: "name",
    Person: "last_name",
    Event: "title",
    KeyFigure: "label",
    Involvement: "note",
    Funding: "note",
    Territory: "name",
    Theme: "name",
    ActivityType: "name",
    Keyword: "label",
}
# Filter values that only hidden records carry: choosing one must give nothing.
HIDDEN_KIND, PUBLIC_KIND = Initiative.Kind.ACTION_RESEARCH, Initiative.Kind.PROJECT
HIDDEN_STATUS, PUBLIC_STATUS = Initiative.Status.DORMANT, Initiative.Status.ONGOING
HIDDEN_START, PUBLIC_START = 1950, 2010
HIDDEN_ROLES = (Involvement.Role.SCIENTIFIC_COMMITTEE, Involvement.Role.EXPERT)
HIDDEN_ORG_KIND, PUBLIC_ORG_KIND = Organisation.Kind.CHAMBER, Organisation.Kind.ASSOCIATION
HIDDEN_DOC_KIND, PUBLIC_DOC_KIND = Document.Kind.ROADMAP, Document.Kind.REPORT
HIDDEN_LANGUAGE = "nl"

# Defects found by the matrix, keyed by (role, URL key, state, aspect), "*" matching anything.
# Never add an entry to silence a new failure without reporting it to the lead. Fixed so far:
# an unpublished parent organisation named on its unit's page; the history revert form saving
# a writer's POST on a published record; no preview banner on a child of a hidden initiative.
KNOWN_FAILURES = {}

# What the tests exercised, for the summary printed by the last test.
EXERCISED = {"checks": set(), "requests": 0, "urls": set()}


# Data --------------------------------------------------------------------------------------


@dataclass
class Marker:
    text: str
    kind: str
    state: str  # the state of the record it belongs to
    visible: bool  # may the public see it


@dataclass
class Record:
    kind: str  # initiative, child, document, organisation, unit, person
    state: str  # its own state, or its parent's for a child or a unit
    obj: object
    marker: str
    word: str  # a search word of its text: the marker is never sent, so never echoed
    visible: bool


@dataclass(repr=False)
class Matrix:
    records: list = field(default_factory=list)
    markers: list = field(default_factory=list)
    users: dict = field(default_factory=dict)
    themes: dict = field(default_factory=dict)  # state -> theme of that state's initiatives
    territories: dict = field(default_factory=dict)
    parts: dict = field(default_factory=dict)  # (kind, state) -> marker of a related row
    objects: dict = field(default_factory=dict)  # (kind, state) -> row
    vocabulary: dict = field(default_factory=dict)
    baseline: dict = field(default_factory=dict)  # published rows that were there before

    @property
    def empty(self):
        """No record but the matrix's: result counts are exact."""
        return not any(self.baseline.values())

    def record(self, kind, state):
        return next(r for r in self.records if r.kind == kind and r.state == state)

    def visible_records(self, *kinds):
        return [r for r in self.records if r.kind in kinds and r.visible]

    def hidden_markers(self):
        return [marker for marker in self.markers if not marker.visible]


_random = random.Random()


def _word(*parts):
    """Letters only: one token for PostgreSQL's parser, unchanged by escaping and spacing."""
    return "".join(parts) + "".join(_random.choices(string.ascii_lowercase, k=8))


def build_matrix():
    m = Matrix()
    m.baseline = {
        "initiatives": Initiative.objects.published().count(),
        "organisations": Organisation.objects.published().count(),
        "any": Initiative.objects.count() + Organisation.objects.count(),
    }

    def marker(kind, state, visible):
        text = _word("mq", kind, state)
        m.markers.append(Marker(text, kind, state, visible))
        return text

    def add(kind, state, obj, text, word, visible):
        m.records.append(Record(kind, state, obj, text, word, visible))
        m.objects[kind, state] = obj
        # Its address must not leak either (links, sitemaps): the slug is a marker too.
        m.markers.append(Marker(obj.slug, f"{kind} slug", state, visible))

    m.vocabulary = {
        "theme": Theme.objects.create(name="Matrice des accès", slug="matrice-acces"),
        "territory": Territory.objects.create(
            name="Région matrice", slug="region-matrice", kind=Territory.Kind.REGION
        ),
        "activity": ActivityType.objects.create(name="Métier matrice", slug="metier-matrice"),
        "keyword": Keyword.objects.create(label="mot matrice", slug="mot-matrice"),
    }
    for state in STATES:
        m.themes[state] = Theme.objects.create(
            name=f"Thème matrice {state}",
            slug=f"theme-matrice-{state}",
            parent=m.vocabulary["theme"],
        )
        m.territories[state] = Territory.objects.create(
            name=f"Territoire matrice {state}",
            slug=f"territoire-matrice-{state}",
            kind=Territory.Kind.COMMUNE,
            parent=m.vocabulary["territory"],
            latitude=Decimal("50.1"),  # located: the GeoJSON export lists its initiatives
            longitude=Decimal("2.3"),
        )

    for state in STATES:
        public = state == PUBLISHED
        vocabulary = {
            "kind": PUBLIC_KIND if public else HIDDEN_KIND,
            "status": PUBLIC_STATUS if public else HIDDEN_STATUS,
        }
        text, word = marker("initiative", state, public), _word("cq", "initiative", state)
        initiative = Initiative.objects.create(
            title=f"Initiative {text}",
            slug=f"matrice-initiative-{state}",
            start=str(PUBLIC_START if public else HIDDEN_START),
            summary=f"Résumé {word} {text}",
            objectives=f"Objectifs {text}",
            body=f"Description {text}",
            publication_state=state,
            **vocabulary,
        )
        initiative.themes.add(m.themes[state])
        initiative.territories.add(m.territories[state])
        initiative.activity_types.add(m.vocabulary["activity"])
        initiative.keywords.add(m.vocabulary["keyword"])
        add("initiative", state, initiative, text, word, public)

        # A published child: hidden with its parent.
        text, word = marker("child", state, public), _word("cq", "child", state)
        child = Initiative.objects.create(
            title=f"Action {text}",
            slug=f"matrice-action-{state}",
            start=str((PUBLIC_START if public else HIDDEN_START) + 1),
            summary=f"Résumé {word} {text}",
            parent=initiative,
            publication_state=PUBLISHED,
            **vocabulary,
        )
        child.themes.add(m.themes[state])
        child.territories.add(m.territories[state])
        add("child", state, child, text, word, public)

        text, word = marker("document", state, public), _word("cq", "document", state)
        document = Document.objects.create(
            title=f"Document {text}",
            slug=f"matrice-document-{state}",
            kind=PUBLIC_DOC_KIND if public else HIDDEN_DOC_KIND,
            language="fr" if public else HIDDEN_LANGUAGE,
            authors=f"Auteurs {text}",
            summary=f"Résumé {word} {text}",
            bibliographic_note=f"Notice {text}",
            publication_state=state,
        )
        document.file.save(f"matrice-{state}.txt", ContentFile(f"Contenu {text}\n".encode()))
        add("document", state, document, text, word, public)

        text, word = marker("organisation", state, public), _word("cq", "organisation", state)
        organisation = Organisation.objects.create(
            name=f"Organisation {text}",
            slug=f"matrice-organisation-{state}",
            kind=PUBLIC_ORG_KIND if public else HIDDEN_ORG_KIND,
            description=f"Présentation {word} {text}",
            territory=m.territories[state],
            publication_state=state,
        )
        add("organisation", state, organisation, text, word, public)

        # A published unit of the organisation: public whatever its parent's state.
        text, word = marker("unit", state, True), _word("cq", "unit", state)
        unit = Organisation.objects.create(
            name=f"Service {text}",
            slug=f"matrice-service-{state}",
            kind=PUBLIC_ORG_KIND,
            description=f"Présentation {word} {text}",
            parent=organisation,
            publication_state=PUBLISHED,
        )
        add("unit", state, unit, text, word, True)

        text, word = marker("person", state, public), _word("cq", "person", state)
        person = Person.objects.create(
            first_name="Camille",
            last_name=text,
            slug=f"matrice-personne-{state}",
            biography=f"Présentation {word} {text}",
            publication_state=state,
        )
        add("person", state, person, text, word, public)

    for state in STATES:
        _add_parts(m, state, marker)

    # The addresses of email alerts are personal: no public output may ever show one.
    for state in STATES:
        address = f"{_word('ml', 'alert', state)}@example.org"
        Alert.objects.create(
            email=address,
            query=f"thematique={m.themes[state].slug}",
            confirmed_at=timezone.now(),
            sent_through=timezone.now(),
        )
        m.markers.append(Marker(address, "alert address", state, False))

    m.users = {
        "anonymous": None,
        "writer": _staff_user("matrice-redacteur", staff.WRITER),
        "reviewer": _staff_user("matrice-relecteur", staff.REVIEWER),
        "superuser": User.objects.create(
            username="matrice-admin", is_staff=True, is_superuser=True
        ),
    }
    return m


def _add_parts(m, state, marker):
    """The rows hanging from the state's records, and their links to the published ones."""
    public = state == PUBLISHED
    initiative, child = m.objects["initiative", state], m.objects["child", state]
    organisation, person = m.objects["organisation", state], m.objects["person", state]
    document = m.objects["document", state]
    published = {kind: m.objects[kind, PUBLISHED] for kind in PUBLISHABLE_MODELS.values()}
    hidden_role, other_hidden_role = HIDDEN_ROLES

    def part(kind):
        m.parts[kind, state] = marker(kind, state, public)
        return m.parts[kind, state]

    Milestone.objects.create(initiative=initiative, date="2012", title=part("milestone"))
    m.objects["event", state] = Event.objects.create(
        initiative=initiative,
        title=part("event"),
        kind=Event.Kind.WORKSHOP,
        status=Event.Status.HELD,
        start="2011-05-04",
        territory=m.territories[state],
        venue=f"Salle {part('venue')}",
        description=f"{_word('cq', 'event', state)} {part('eventtext')}",
    )
    m.objects["event", state].organisers.add(organisation)
    Event.objects.create(
        initiative=child,
        title=part("childevent"),
        kind=Event.Kind.SEMINAR,
        status=Event.Status.PLANNED,
        start="2099-01-02",
    )
    m.objects["keyfigure", state] = KeyFigure.objects.create(
        initiative=initiative,
        territory=m.territories[state],
        value=Decimal(42),
        unit="emplois",
        label=part("keyfigure"),
    )
    SourceCitation.objects.create(
        subject=initiative, url="https://example.org/source", note=part("source")
    )
    SourceCitation.objects.create(
        subject=published["initiative"], document=document, note=part("sourcedoc")
    )
    published["initiative"].documents.add(document)
    initiative.documents.add(published["document"])
    organisation.documents.add(document)

    # The state's actors in the published initiative and in the state's own initiative.
    m.objects["involvement", state] = Involvement.objects.create(
        initiative=published["initiative"],
        organisation=organisation,
        role=Involvement.Role.PARTNER if public else hidden_role,
        note=part("involvementorg"),
    )
    Involvement.objects.create(
        initiative=published["initiative"],
        person=person,
        role=Involvement.Role.CONTACT if public else hidden_role,
        note=part("involvementperson"),
    )
    Involvement.objects.create(
        initiative=initiative,
        organisation=organisation,
        role=Involvement.Role.PILOT if public else other_hidden_role,
        note=part("involvementown"),
    )
    Involvement.objects.create(
        initiative=initiative,
        person=person,
        role=Involvement.Role.CONTACT if public else other_hidden_role,
        note=part("involvementownperson"),
    )
    # A public actor in the state's child: the involvement is as hidden as the child.
    Involvement.objects.create(
        initiative=child,
        organisation=published["organisation"],
        role=Involvement.Role.PARTNER,
        note=part("involvementchild"),
    )
    m.objects["funding", state] = Funding.objects.create(
        initiative=published["initiative"],
        beneficiary=organisation,
        status=Funding.Status.FUNDED,
        note=part("funding"),
    )
    Affiliation.objects.create(
        person=person, organisation=published["organisation"], job_title=part("affiliation")
    )
    if not public:
        Funding.objects.create(
            initiative=initiative,
            beneficiary=published["organisation"],
            status=Funding.Status.ANNOUNCED,
            note=part("fundingown"),
        )
        Affiliation.objects.create(
            person=published["person"], organisation=organisation, job_title=part("member")
        )


def _staff_user(username, group):
    user = User.objects.create(username=username, is_staff=True)  # no password: force_login
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("matrix-media")
    # Hundreds of expected 403s and 404s: only errors (a 500) reach the log.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        with (
            override_settings(MEDIA_ROOT=media),
            django_db_blocker.unblock(),
            transaction.atomic(),
        ):
            yield build_matrix()
            transaction.set_rollback(True)
    finally:
        request_log.setLevel(level)


@pytest.fixture(autouse=True)
def _no_open_data_rate_limit(monkeypatch):
    """The matrix sends thousands of requests from one address: lift the open-data rate limit
    (tests/portal/test_api.py checks it)."""
    cache.clear()
    monkeypatch.setattr(access, "RATE_LIMIT", 10**9)


# Checks ------------------------------------------------------------------------------------


@dataclass
class Failure:
    role: str
    key: str
    state: str
    aspect: str
    url: str
    got: object
    expected: object

    @property
    def ident(self):
        return (self.role, self.key, self.state, self.aspect)

    def __str__(self):
        return (
            f"{self.role:9} {self.url} [{self.state}] {self.aspect}: "
            f"got {self.got}, expected {self.expected}"
        )


def _matches(known, ident):
    return all(want in ("*", have) for want, have in zip(known, ident, strict=True))


class Collector:
    """Collects the failures of one role; `verify` fails once, with all of them."""

    def __init__(self, role):
        self.role = role
        self.failures = []
        self.exercised = set()

    def at(self, key, url):
        """check(state, aspect, ok, got, expected) for one URL."""

        def check(state, aspect, ok, got, expected):
            state = state or "—"
            self.exercised.add((self.role, key, state, aspect))
            EXERCISED["checks"].add((key, self.role, state))
            if not ok:
                self.failures.append(Failure(self.role, key, state, aspect, url, got, expected))

        return check

    def verify(self):
        """Every unexpected failure, and every known one that passes now."""
        failed = {failure.ident for failure in self.failures}
        unexpected = [
            failure
            for failure in self.failures
            if not any(_matches(known, failure.ident) for known in KNOWN_FAILURES)
        ]
        fixed = [
            f"  {known}: {reason}"
            for known, reason in KNOWN_FAILURES.items()
            if any(_matches(known, ident) for ident in self.exercised)
            and not any(_matches(known, ident) for ident in failed)
        ]
        message = []
        if unexpected:
            message.append(f"{len(unexpected)} access-matrix failure(s):")
            message += [f"  {failure}" for failure in unexpected]
        if fixed:
            message += ["Listed in KNOWN_FAILURES but passing now: update the list.", *fixed]
        assert not message, "\n".join(message)


def fetch(client, url, **headers):
    EXERCISED["requests"] += 1
    EXERCISED["urls"].add(url)
    response = client.get(url, **headers)
    # A streamed response (a file) is closed by the test client once read.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK\x03\x04"):  # XLSX, ODS...: the XML inside the zip
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist())
    return response, body.decode("utf-8", "replace")


def client_for(m, role):
    client = Client()
    if m.users[role] is not None:
        client.force_login(m.users[role])
    return client


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Public URLs -------------------------------------------------------------------------------


@dataclass
class Probe:
    """One public request: what it must show, and what it must never show."""

    name: str  # of the URL pattern
    key: str  # the URL without its state: the same key in each state
    url: str
    states: tuple  # the states whose markers this request checks
    required: list = field(default_factory=list)  # published markers every role must find
    record: Record | None = None  # the record of a detail URL
    status: int | tuple = 200
    staff_status: int | tuple | None = None  # if staff get another status than the public
    preview: str = "page"  # staff on a hidden record: "page" (banner), "file", "any" (unknown)
    headers: dict = field(default_factory=dict)
    result_count: int | None = None  # the number of results listed (context "page")
    context: dict = field(default_factory=dict)  # other context values expected


# Slug URLs and the records that give their slug. Any other slug URL gets every slug.
SLUG_RECORDS = {
    "initiatives:detail": ("initiative", "child"),
    "initiatives:document": ("document",),
    "initiatives:document_file": ("document",),
    "actors:organisation": ("organisation", "unit"),
    "actors:person": ("person",),
    "initiative_ics": ("initiative", "child"),
    "api_initiative": ("initiative", "child"),
    "api_document": ("document",),
    "api_organisation": ("organisation", "unit"),
    "api_person": ("person",),
}
NOT_PAGES = {"initiatives:document_file"}  # staff preview it, without a banner
# Open data (calendars, API): published records only, for staff too.
PUBLIC_ONLY = {"initiative_ics", "api_initiative", "api_document", "api_organisation"}
PUBLIC_ONLY |= {"api_person"}
# Slug URLs of themes and territories, and whether they list the initiatives filed there.
VOCABULARY_URLS = {
    "initiatives:territory": ("territories", True),
    "initiatives:theme": ("themes", True),
    "territory_feed": ("territories", True),
    "theme_feed": ("themes", True),
    "api_territory": ("territories", False),
    "api_theme": ("themes", False),
}
# The lists that filter initiatives with the index's InitiativeFilter.
FILTERED_LISTS = {"initiative_index", "api_initiatives", "initiative_export", "feed"}
# Pages without arguments that take no initiative filters. Any other (an export, an API, a
# feed, a sitemap...) is also requested with every filter that could reveal a hidden record.
UNFILTERED_PAGES = {
    "home",
    "healthz",
    "search",
    "initiatives:territories",
    "initiatives:themes",
    "initiatives:agenda",
    "initiatives:documents",
    "actors:index",
}

# Endpoints that only receive (browsers' CSP reports): a GET is refused, whatever its query.
POST_ONLY = {"csp_report"}


def url_patterns():
    """(name, arguments, pattern) of every URL pattern outside the admin."""
    found = []

    def walk(patterns, namespace, arguments):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name != "admin":
                    inner = ":".join(filter(None, [namespace, pattern.namespace]))
                    walk(pattern.url_patterns, inner, arguments + _arguments(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else None
                found.append((name, arguments + _arguments(pattern.pattern), pattern))

    walk(get_resolver().url_patterns, "", [])
    return found


def _arguments(pattern):
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def _alternatives(pattern, argument):
    """The values of a regex argument written as a list of words: (?P<page>a|b|c)."""
    match = re.search(rf"\(\?P<{argument}>([\w|-]+)\)", str(pattern.pattern))
    return match.group(1).split("|") if match else None


def public_probes(m):
    """Every public request of the matrix, from the URL resolver and the records."""
    probes = []
    for name, arguments, pattern in url_patterns():
        if name is None:
            continue
        if not arguments:
            probes += _listing_probes(m, name, reverse(name))
        elif arguments == ["slug"] and name in SLUG_RECORDS:
            for record in m.records:
                if record.kind in SLUG_RECORDS[name]:
                    probes.append(_detail_probe(m, name, record))
        elif arguments == ["slug"] and name in VOCABULARY_URLS:
            nodes, lists_initiatives = VOCABULARY_URLS[name]
            for state, node in getattr(m, nodes).items():
                required = [r.marker for r in m.visible_records("initiative", "child")]
                required = required if lists_initiatives else []
                url = reverse(name, args=[node.slug])
                probes.append(Probe(name, f"{name}<node>", url, (state,), required))
            root = m.vocabulary["theme" if "theme" in name else "territory"]
            url = reverse(name, args=[root.slug])
            probes.append(Probe(name, f"{name}<root>", url, tuple(STATES)))
        elif arguments == ["slug"]:
            # A slug URL nobody mapped yet: every slug; nothing hidden may reach the public.
            for record in m.records:
                url = reverse(name, args=[record.obj.slug])
                probes.append(
                    Probe(name, f"{name}<{record.kind}>", url, (record.state,), record=record,
                          status=(200, 404), staff_status=(200, 404), preview="any")
                )  # fmt: skip
            for kind, nodes in (("theme", m.themes), ("territory", m.territories)):
                for state, node in nodes.items():
                    url = reverse(name, args=[node.slug])
                    probes.append(Probe(name, f"{name}<{kind}>", url, (state,), status=(200, 404)))
        elif arguments == ["token"]:  # email alerts: a forged token is refused
            url = reverse(name, args=["forge:1xYOWf:faux"])
            probes.append(Probe(name, f"{name}<forged>", url, tuple(STATES), status=400))
        elif arguments == ["uidb64", "token"]:  # password reset: a forged link resets nothing
            url = reverse(name, args=["MQ", "forge-faux"])
            probes.append(Probe(name, f"{name}<forged>", url, tuple(STATES)))
        elif len(arguments) == 1 and (values := _alternatives(pattern, arguments[0])):
            for value in values:
                url = reverse(name, kwargs={arguments[0]: value})
                if name in FILTERED_LISTS:  # every filter on the first format, a few on others
                    light = value != values[0]
                    probes += _listing_probes(m, name, url, key=f"{name}<{value}>", light=light)
                else:
                    required = _sitemap_markers(m, value) if name == "sitemap_section" else []
                    probes.append(Probe(name, f"{name}<{value}>", url, tuple(STATES), required))
    return probes


# The sections of the sitemap index, and the records each one must list.
SITEMAP_SECTIONS = {
    "initiatives": ("initiative", "child"),
    "organisations": ("organisation", "unit"),
    "personnes": ("person",),
    "documents": ("document",),
}


def _sitemap_markers(m, section):
    return [r.obj.slug for r in m.visible_records(*SITEMAP_SECTIONS.get(section, ()))]


def _listing_probes(m, name, url, key=None, light=False):
    """A URL without arguments: plain, and with the parameters that could reveal a record."""
    everything, hidden = tuple(STATES), tuple(HIDDEN_STATES)

    def probe(suffix, params, states, required=(), **options):
        full = f"{url}?{urlencode(params)}" if params else url
        return Probe(name, f"{key or name}{suffix}", full, states, list(required), **options)

    def markers(*kinds):
        return [r.marker for r in m.visible_records(*kinds)]

    if name == "search":
        probes = [probe("", {}, everything)]
        for record in m.records:
            required = [record.marker] if record.visible else []
            probes.append(
                probe(f"?q=<{record.kind} word>", {"q": record.word}, (record.state,), required)
            )
        for state in STATES:
            word = m.objects["event", state].description.split()[0]
            required = [m.parts["event", state]] if state == PUBLISHED else []
            probes.append(probe("?q=<event word>", {"q": word}, (state,), required))
        return probes
    if name == "actors:index":
        public_kind = markers("organisation", "unit")
        return [
            probe("", {}, everything, markers("organisation", "unit", "person")),
            probe("?type=<hidden kind>", {"type": HIDDEN_ORG_KIND}, hidden, result_count=0),
            probe("?type=<public kind>", {"type": PUBLIC_ORG_KIND}, (PUBLISHED,), public_kind,
                  result_count=len(public_kind) if m.empty else None),
        ]  # fmt: skip
    if name == "initiatives:documents":
        documents = markers("document")
        return [
            probe("", {}, everything, documents),
            probe("?type=<hidden kind>", {"type": HIDDEN_DOC_KIND}, hidden, result_count=0),
            probe("?langue=<hidden>", {"langue": HIDDEN_LANGUAGE}, hidden, result_count=0),
            probe("?type=<public kind>", {"type": PUBLIC_DOC_KIND}, (PUBLISHED,), documents),
        ]
    if name == "home":
        initiatives, organisations = markers("initiative", "child"), markers("organisation", "unit")
        counts = {
            "initiative_count": m.baseline["initiatives"] + len(initiatives),
            "organisation_count": m.baseline["organisations"] + len(organisations),
        }
        return [probe("", {}, everything, markers("initiative"), context=counts)]
    published_events = [m.parts["event", PUBLISHED], m.parts["childevent", PUBLISHED]]
    shown = {
        "initiatives:agenda": published_events,
        "agenda_ics": published_events,
        "api_events": published_events,
        "feed": markers("initiative", "child"),
        "api_organisations": markers("organisation", "unit"),
        "api_persons": markers("person"),
        "api_documents": markers("document"),
        "sitemap": [f"/sitemap-{section}.xml" for section in SITEMAP_SECTIONS],
    }.get(name, [])
    if name in UNFILTERED_PAGES:
        return [probe("", {}, everything, shown)]
    if name in POST_ONLY:
        return [probe("", {}, everything, status=405)]
    if name not in FILTERED_LISTS or light:
        # Plain, and the filters most likely to reveal a draft; for a URL the matrix does not
        # know yet, any status but an error.
        draft = HIDDEN_STATES[0]
        word, theme = m.record("initiative", draft).word, m.themes[draft].slug
        organisation = m.objects["organisation", draft].slug
        known = name in FILTERED_LISTS
        if known:
            shown = [r.marker for r in m.visible_records("initiative", "child")]
        ok, refused = (200, 400) if known else ((200, 400), (200, 400))
        return [
            probe("", {}, everything, shown),
            probe("?q=<initiative word>", {"q": word}, (draft,), status=ok),
            probe("?thematique=<theme>", {"thematique": theme}, (draft,), status=ok),
            probe("?acteur=<organisation>", {"acteur": organisation}, (draft,), status=refused),
        ]
    # The lists that share the index's filters (InitiativeFilter): every one of them.
    probes = []
    for suffix, params, states, expected in filter_variants(m):
        if suffix == "[fetch]" and name != "initiative_index":
            continue
        refused = suffix == "?acteur=<organisation>" and states != (PUBLISHED,)
        # A feed has its own order: a sort parameter is refused, never ignored.
        refused = refused or (name == "feed" and "tri" in params)
        options = {"status": 400 if refused else 200}
        if name == "initiative_index" and expected is not None and m.empty:
            options["result_count"] = len(expected)
        if suffix == "[fetch]":
            options["headers"] = {"HTTP_X_REQUESTED_WITH": "fetch"}
        required = [r.marker for r in expected or ()]
        probes.append(probe(suffix, params, states, required, **options))
    return probes


def filter_variants(m):
    """The initiative filters, set to what only hidden records match (and to public values,
    to prove the filter works): (suffix, params, states, visible records expected or None)."""
    visible = tuple(m.visible_records("initiative", "child"))
    hidden, shown = tuple(HIDDEN_STATES), (PUBLISHED,)
    variants = [("", {}, tuple(STATES), visible), ("[fetch]", {}, tuple(STATES), visible)]
    for record in m.records:
        if record.kind in ("initiative", "child"):
            expected = (record,) if record.visible else ()
            variants.append(
                (f"?q=<{record.kind} word>", {"q": record.word}, (record.state,), expected)
            )
    for state in STATES:
        expected = visible if state == PUBLISHED else ()
        organisation = m.objects["organisation", state]
        variants += [
            ("?thematique=<theme>", {"thematique": m.themes[state].slug}, (state,), expected),
            ("?territoire=<territory>", {"territoire": m.territories[state].slug}, (state,),
             expected),
            # In the published initiative; hidden organisations are refused (400).
            ("?acteur=<organisation>", {"acteur": organisation.slug}, (state,),
             visible if state == PUBLISHED else None),
        ]  # fmt: skip
    variants += [
        ("?type=<hidden kind>", {"type": HIDDEN_KIND}, hidden, ()),
        ("?type=<public kind>", {"type": PUBLIC_KIND}, shown, visible),
        ("?statut=<hidden status>", {"statut": HIDDEN_STATUS}, hidden, ()),
        ("?statut=<public status>", {"statut": PUBLIC_STATUS}, shown, visible),
        ("?de=&a=<hidden years>", {"de": HIDDEN_START, "a": HIDDEN_START + 1}, hidden, ()),
        ("?de=<public years>", {"de": PUBLIC_START}, shown, visible),
        ("?q=&tri=maj", {"q": "matrice", "tri": "maj"}, tuple(STATES), None),
        *[(f"?role=<hidden {role}>", {"role": role}, hidden, ()) for role in HIDDEN_ROLES],
    ]
    return variants


def _detail_probe(m, name, record):
    state, visible = record.state, record.visible
    required = [record.marker]
    if name == "initiatives:detail" and record.kind == "initiative" and visible:
        required += [m.parts[kind, state] for kind in ("milestone", "event", "keyfigure")]
        required += [m.record(kind, state).marker for kind in ("child", "document")]
        required += [m.record(kind, state).marker for kind in ("organisation", "person")]
        required += [m.parts["funding", state]]
    if name == "actors:organisation" and record.kind == "organisation" and visible:
        required += [m.parts["involvementorg", state], m.record("unit", state).marker]
    if name == "actors:person" and visible:
        required += [m.parts["involvementperson", state], m.parts["affiliation", state]]
    if name == "api_initiative" and record.kind == "initiative" and visible:
        required += [m.parts["event", state], m.record("child", state).obj.slug]
        required += [m.record("document", state).obj.slug]
    if name == "initiative_ics" and visible:
        required += [m.parts["event" if record.kind == "initiative" else "childevent", state]]
    return Probe(
        name,
        f"{name}<{record.kind}>",
        reverse(name, args=[record.obj.slug]),
        (state,),
        required,
        record=record,
        status=200 if visible else 404,
        staff_status=None if name in PUBLIC_ONLY else 200,
        preview="file" if name in NOT_PAGES else "page",
    )


def run_public_probe(collector, client, m, probe, hidden):
    response, body = fetch(client, probe.url, **probe.headers)
    status = response.status_code
    is_staff = collector.role != "anonymous"
    expected = probe.staff_status if is_staff and probe.staff_status else probe.status
    allowed = expected if isinstance(expected, tuple) else (expected,)
    record = probe.record
    preview = is_staff and record is not None and not record.visible and status == 200
    # A hidden slug sent in the request may come back (a form error): that is no leak.
    hidden = [marker for marker in hidden if marker.text not in probe.url]
    check = collector.at(probe.key, probe.url)
    for state in probe.states:
        check(state, "status", status in allowed, status, expected)
        if preview:  # staff see the hidden record, and are told the public does not
            if probe.preview == "page":
                check(state, "preview banner", PREVIEW_BANNER in body, "none", PREVIEW_BANNER)
            if probe.preview != "any":
                check(state, "preview", record.marker in body, "no marker", "the record")
            continue
        leaked = [marker for marker in hidden if marker.state == state and marker.text in body]
        check(state, "leak", not leaked, _describe(leaked), "no hidden marker")
        if status == 200 and state == PUBLISHED:
            missing = [text for text in probe.required if text not in body]
            check(state, "shown", not missing, f"{len(missing)} absent", "published markers")
            if record is not None and probe.preview == "page":
                check(state, "no banner", PREVIEW_BANNER not in body, "banner", "no banner")
    if preview or status != 200 or response.context is None:
        return
    state = probe.states[0] if len(probe.states) == 1 else None
    if probe.result_count is not None and "page" in response.context:
        count = response.context["page"].paginator.count
        check(state, "result count", count == probe.result_count, count, probe.result_count)
    for key, value in probe.context.items():
        got = response.context.get(key)
        check(state, f"context {key}", got == value, got, value)
    if "facets" in response.context:
        options = _hidden_options(m, response.context["facets"])
        check(state, "facet options", not options, options, "no hidden-only option counted")


def _describe(markers):
    return ", ".join(f"{marker.kind} of {marker.state}" for marker in markers) or "-"


def _hidden_options(m, facets):
    """Facet options with a count whose value only hidden records carry."""
    hidden_values = {
        "thematique": {m.themes[state].slug for state in HIDDEN_STATES},
        "territoire": {m.territories[state].slug for state in HIDDEN_STATES},
        "type": {HIDDEN_KIND},
        "statut": {HIDDEN_STATUS},
        "role": set(HIDDEN_ROLES),
        "acteur": {m.objects["organisation", state].slug for state in HIDDEN_STATES},
    }
    return [
        f"{facet.name}={option.value} ({option.count})"
        for facet in facets
        for option in facet.options
        if option.value in hidden_values.get(facet.name, ()) and option.count
    ]


@pytest.mark.parametrize("role", ROLES)
def test_public_urls_never_show_hidden_records(matrix, role):
    collector = Collector(role)
    client = client_for(matrix, role)
    hidden = matrix.hidden_markers()
    for probe in public_probes(matrix):
        run_public_probe(collector, client, matrix, probe, hidden)
    collector.verify()


# Admin -------------------------------------------------------------------------------------

PER_MODEL = ("changelist", "add", "import", "process_import", "export")
# "propose": a change proposed to a locked record; "preview": a proposal's (none in the matrix).
PER_OBJECT = ("change", "history", "simple_history", "delete", "propose", "preview")


def registry_admins():
    """The model admins of the registry's apps, from the admin site."""
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        # each agent's email preference is their own page, not a registry record
        if model._meta.app_label in staff.REGISTRY_APPS and model is not ReviewEmailPreference
    ]


def admin_url_names(model, model_admin):
    """{kind: URL name} from the model admin's own URLs: what a mixin adds is picked up."""
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    return {
        pattern.name.removeprefix(prefix): f"admin:{pattern.name}"
        for pattern in model_admin.get_urls()
        if pattern.name and pattern.name.startswith(prefix)
    }


def admin_objects(m, model):
    """(state, row): the record of each state for a publishable model, else one row."""
    if model in PUBLISHABLE_MODELS:
        return [(state, m.objects[PUBLISHABLE_MODELS[model], state]) for state in STATES]
    parts = {Event: "event", KeyFigure: "keyfigure", Involvement: "involvement"}
    parts[Funding] = "funding"
    if model in parts:  # the row hanging from the published initiative
        return [(PUBLISHED, m.objects[parts[model], PUBLISHED])]
    rows = {Territory: m.territories[PUBLISHED], Theme: m.themes[PUBLISHED]}
    rows |= {ActivityType: m.vocabulary["activity"], Keyword: m.vocabulary["keyword"]}
    row = rows.get(model) or model.objects.order_by("pk").first()
    return [(None, row)] if row is not None else []


# Rows that are public through their initiative: locked with it for writers.
PARTS_OF_INITIATIVE = (Event, KeyFigure, Involvement, Funding)


def admin_expectation(role, kind, model, state):
    """(status, editable): editable is whether a change form lets the role change the row."""
    if role == "anonymous":
        return 302, None
    if kind in ("index", "autocomplete"):
        return 200, None
    if kind == "process_import":
        return 405, None  # POST only
    if kind.startswith("transition:"):  # the workflow's confirmation page (GET writes nothing)
        transition = workflow.TRANSITIONS[kind.removeprefix("transition:")]
        if role == "writer" and transition.reviewers_only:
            return 403, None
        return (200 if state in transition.sources else 302), None
    if model is Erasure:  # read by Administrateurs only, written by the erasure alone
        return (200 if role == "superuser" and kind == "changelist" else 403), None
    publishable = model in PUBLISHABLE_MODELS
    locked = state in LOCKED_STATES and (publishable or model in PARTS_OF_INITIATIVE)
    if role == "writer" and kind == "delete" and (publishable or locked):
        return 403, None
    if kind in ("change", "simple_history"):
        return 200, not (role == "writer" and locked)
    if kind == "propose":  # who may change the record directly is sent to its change form
        return (200, True) if role == "writer" and locked and publishable else (302, None)
    return 200, None


def admin_requests(m):
    """(key, url, model, kind, state) of every admin GET of the matrix."""
    autocomplete = "?app_label=initiatives&model_name=initiative&field_name=parent&term=mq"
    requests = [
        ("admin:index", reverse("admin:index"), None, "index", None),
        *[
            (f"admin:app_list<{app}>", reverse("admin:app_list", args=[app]), None, "index", None)
            for app in staff.REGISTRY_APPS
        ],
        ("admin:autocomplete", reverse("admin:autocomplete") + autocomplete, None,
         "autocomplete", None),
    ]  # fmt: skip
    for model, model_admin in registry_admins():
        names = admin_url_names(model, model_admin)
        label = model._meta.label_lower
        for kind in PER_MODEL:
            if kind in names:
                requests.append((f"{label} {kind}", reverse(names[kind]), model, kind, None))
        for state, obj in admin_objects(m, model):
            for kind in PER_OBJECT:
                if kind in names:
                    args = [obj.pk]
                    if kind == "simple_history":
                        args.append(obj.history.latest().history_id)
                    url = reverse(names[kind], args=args)
                    requests.append((f"{label} {kind}", url, model, kind, state))
            if "transition" in names and state is not None:
                for name in workflow.TRANSITIONS:
                    url = reverse(names["transition"], args=[obj.pk, name])
                    key = f"{label} transition {name}"
                    requests.append((key, url, model, f"transition:{name}", state))
    return requests


def _changelist_markers(m, model):
    """(state, marker) that staff must find in a changelist: drafts included."""
    kinds = {
        Initiative: ("initiative", "child"),
        Document: ("document",),
        Organisation: ("organisation", "unit"),
        Person: ("person",),
    }.get(model, ())
    markers = [(r.state, r.marker) for r in m.records if r.kind in kinds]
    part = {Event: "event", KeyFigure: "keyfigure"}.get(model)
    if part:
        markers += [(state, m.parts[part, state]) for state in STATES]
    return markers


@pytest.mark.parametrize("role", ROLES)
def test_admin_urls_follow_the_roles(matrix, role):
    collector = Collector(role)
    client = client_for(matrix, role)
    for key, url, model, kind, state in admin_requests(matrix):
        response, body = fetch(client, url)
        status, editable = admin_expectation(role, kind, model, state)
        check = collector.at(key, url)
        markers = _changelist_markers(matrix, model) if kind == "changelist" else []
        states = STATES if markers and role != "anonymous" else [state]
        for each in states:
            check(each, "status", response.status_code == status, response.status_code, status)
            if role == "anonymous":
                location = response.headers.get("Location", "")
                check(each, "redirect", location.startswith("/admin/login/"), location, "login")
            if role == "anonymous" or response.status_code != 200:
                continue
            if markers:
                missing = [text for where, text in markers if where == each and text not in body]
                check(each, "listed", not missing, f"{len(missing)} absent", "every state")
            if editable is not None:
                can_change = response.context.get("has_change_permission")
                check(each, "has_change_permission", can_change is editable, can_change, editable)
            if editable is not None and kind == "change":
                shown = NAME_FIELDS[model] in response.context["adminform"].form.fields
                check(each, "editable form", shown is editable, shown, editable)
    collector.verify()


def test_admin_writes_follow_the_workflow(matrix):
    """POSTs, each rolled back: the refused ones change nothing, the allowed ones do."""
    clients = {role: client_for(matrix, role) for role in ("writer", "reviewer")}
    collectors = {role: Collector(role) for role in clients}
    writer = clients["writer"]
    for model in PUBLISHABLE_MODELS:
        field_name, label = NAME_FIELDS[model], model._meta.label_lower
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for state, obj in admin_objects(matrix, model):
            original, locked = getattr(obj, field_name), state in LOCKED_STATES
            version = obj.history.latest().history_id
            urls = {
                "change": reverse(f"{info}_change", args=[obj.pk]),
                "simple_history": reverse(f"{info}_simple_history", args=[obj.pk, version]),
                "delete": reverse(f"{info}_delete", args=[obj.pk]),
                "changelist": reverse(f"{info}_changelist"),
            }

            def check(role, kind, aspect, ok, got, expected, state=state, label=label, urls=urls):
                collectors[role].at(f"{label} {kind} POST", urls[kind])(
                    state, aspect, ok, got, expected
                )

            def current(name, model=model, pk=obj.pk):
                return model.objects.values_list(name, flat=True).get(pk=pk)

            # A changed title, through the change form and through the history revert form:
            # refused to writers on published and archived records; a reviewer may.
            attempts = [("writer", "change"), ("writer", "simple_history")]
            if state == PUBLISHED:  # proof that the refusals are not a broken POST
                attempts.append(("reviewer", "change"))
            for role, kind in attempts:
                may = not (locked and role == "writer")
                with rolled_back():
                    response, _ = fetch(clients[role], urls[kind])
                    changes = {field_name: f"{original}x"}
                    if role == "writer":  # the only states a writer may choose
                        changes["publication_state"] = (
                            state if state in (PublicationState.DRAFT, PublicationState.REVIEW)
                            else PublicationState.DRAFT.value
                        )  # fmt: skip
                    response = clients[role].post(urls[kind], change_form_data(response, **changes))
                    saved, now = current(field_name) != original, current("publication_state")
                    got = f"saved={saved} ({response.status_code}, state now {now})"
                    check(role, kind, "saved", saved is may, got, f"saved={may}")

            # Delete: never a writer's, whatever the state.
            with rolled_back():
                response = writer.post(urls["delete"], {"post": "yes"})
                exists = model.objects.filter(pk=obj.pk).exists()
                got = f"{response.status_code}, exists={exists}"
                check("writer", "delete", "refused", exists and response.status_code == 403,
                      got, "403, exists")  # fmt: skip

            # The "publish" action: refused to writers, done by reviewers.
            if state == PUBLISHED:
                continue
            # Confirmed past the publication check (the matrix links records in every state).
            action = {"action": "publish", "_selected_action": [obj.pk], "confirmed": "1"}
            for role, after in (("writer", state), ("reviewer", PUBLISHED)):
                with rolled_back():
                    clients[role].post(urls["changelist"], action)
                    now = current("publication_state")
                    check(role, "changelist", "publish action", now == after, now, after)
    for collector in collectors.values():
        collector.verify()


# The matrix itself -------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_matrix(matrix):
    """A URL the matrix cannot build (new arguments, a new admin view) must be mapped above."""
    probed = {probe.name for probe in public_probes(matrix)}
    unmapped = [
        f"{name or '(unnamed)'} {arguments}"
        for name, arguments, _ in url_patterns()
        if name not in probed
    ]
    for model, model_admin in registry_admins():
        kinds = set(admin_url_names(model, model_admin)) - {*PER_MODEL, *PER_OBJECT, "transition"}
        unmapped += [f"admin {model._meta.label} {kind}" for kind in sorted(kinds)]
    assert not unmapped, "URL patterns outside the access matrix:\n" + "\n".join(unmapped)


def test_matrix_size():
    checks = EXERCISED["checks"]
    if not checks:
        pytest.skip("the matrix tests did not run")
    urls = {key for key, _, _ in checks}
    roles = {role for _, role, _ in checks}
    states = {state for _, _, state in checks} - {"—"}
    print(
        f"\naccess matrix: {len(urls)} URLs × {len(roles)} roles × {len(states)} states = "
        f"{len(urls) * len(roles) * len(states)} combinations; {len(checks)} (URL, role, state) "
        f"checks exercised in {EXERCISED['requests']} requests to {len(EXERCISED['urls'])} "
        "distinct URLs"
    )
    assert roles == set(ROLES) and states == set(STATES)
    assert len(checks) > 2000
