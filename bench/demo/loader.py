"""The rows of a large, plausible registry on top of the seed data, phase by phase.

Rows are generated in Python by one seeded random generator per phase and streamed to
PostgreSQL with COPY (bench/demo/bulk.py), in the caller's transaction; the ids of the
referenced tables are reserved up front from their sequences, so that later inserts through the
ORM go on from where the generator stopped.
"""

import random
from datetime import date

from django.core.management.base import CommandError
from django.utils.text import slugify

from bench.demo import generators as gen
from bench.demo import vocabulary as vocab
from bench.demo.bulk import BulkLoad
from bench.demo.generators import pick
from initiatives.models import Territory, Theme

REGION_SLUG = "hauts-de-france"
REBUILD_LISTING = "SELECT registre_listing_rebuild()"
REBUILD_WORDS = "SELECT registre_search_words_rebuild()"


class Loader(BulkLoad):
    def __init__(self, count, seed, out):
        super().__init__(out)
        self.count = count
        self.seed = seed
        self.calendar = gen.Calendar(date.today())
        self.slugs = {}

    def rng(self, phase):
        # One generator per phase: a phase draws the same rows whatever the others do.
        return random.Random(f"{self.seed}-{phase}")

    def slug(self, text):
        value = self.slugs.get(text)
        if value is None:
            value = self.slugs[text] = slugify(text)[:90].strip("-")
        return value

    # Phases -----------------------------------------------------------------------------------

    def run(self):
        self.settings()
        [(existing,)] = self.execute("SELECT count(*) FROM initiatives_initiative")
        early = late = []
        if self.count > existing:
            early, late = self.phase("suspension des index, clés et déclencheurs", self.suspend)
        self.phase("territoires", self.territories)
        self.phase("thématiques", self.themes)
        self.phase("organisations", self.organisations)
        self.phase("personnes", self.persons)
        self.phase("initiatives", self.initiatives)
        self.phase("thématiques et territoires des initiatives", self.links)
        self.phase("implications", self.involvements)
        self.phase("jalons", self.milestones)
        self.phase("événements", self.events)
        self.phase("chiffres clés", self.figures)
        # The listing's rebuild looks rows up by initiative: its b-tree indexes first.
        self.phase("index b-tree rétablis", self.restore, early)
        # The planner needs the new row counts before the listing is built from them.
        self.phase("ANALYZE", self.analyze)
        # Before its GIN indexes are rebuilt: building them at once is faster than row by row.
        self.phase("index public des initiatives", self.execute, REBUILD_LISTING)
        self.phase("autres index, clés étrangères et déclencheurs rétablis", self.restore, late)
        self.phase("vocabulaire de la recherche", self.execute, REBUILD_WORDS)
        self.execute("ANALYZE portal_searchword")
        self.execute("SET CONSTRAINTS ALL DEFERRED")
        # The derived tables were deferred for the load (registre.bulk_load): cached pages and
        # counts must see the new rows.
        self.execute("SELECT registre_note_change('counts'), registre_note_change('pages')")

    def territories(self):
        region = Territory.objects.filter(slug=REGION_SLUG).first()
        departments = dict(
            Territory.objects.filter(
                slug__in=[plan.slug for plan in vocab.DEPARTMENTS]
            ).values_list("slug", "pk")
        )
        if region is None or len(departments) < len(vocab.DEPARTMENTS):
            raise CommandError(
                "Les territoires de démonstration manquent : lancez d'abord manage.py load_demo."
            )
        generated = Territory.objects.filter(
            kind=Territory.Kind.INTERCOMMUNALITY, parent__in=departments.values()
        )
        if not generated.exists():
            taken = set(Territory.objects.exclude(code="").values_list("code", flat=True))
            total = sum(plan.intercommunalities + plan.communes for plan in vocab.DEPARTMENTS)
            first = self.reserve_ids("initiatives_territory", total)
            plan = gen.territory_rows(self.rng("territories"), departments, first, taken)
            columns = ["id", "name", "slug", "kind", "code", "description"]
            columns += ["latitude", "longitude", "parent_id"]
            # The lineage trigger reads the parent's lineage: parents first.
            self.copy("initiatives_territory", columns, plan.intercommunalities)
            self.copy("initiatives_territory", columns, plan.communes)
        rows = Territory.objects.under(region).filter(
            kind__in=[
                Territory.Kind.REGION,
                Territory.Kind.DEPARTMENT,
                Territory.Kind.INTERCOMMUNALITY,
                Territory.Kind.COMMUNE,
            ]
        )
        places = {kind: [] for kind in Territory.Kind.values}
        for pk, name, kind, slug in rows.order_by("pk").values_list("pk", "name", "kind", "slug"):
            places[kind].append(gen.place(pk, name, kind, slug))
        self.places = places
        self.communes = places["commune"]

    def themes(self):
        seeds = dict(Theme.objects.filter(parent=None).values_list("slug", "pk"))
        for parent, name, slug in vocab.SUB_THEMES:
            if parent in seeds and not Theme.objects.filter(slug=slug).exists():
                Theme.objects.create(name=name, slug=slug, parent_id=seeds[parent])
                self.counts["initiatives_theme"] += 1
        self.theme_list = list(Theme.objects.order_by("pk").values_list("pk", "slug"))

    def organisations(self):
        count = max(1, round(self.count / 5))
        first = self.reserve_ids("actors_organisation", count)
        self.organisation_range = (first, count)
        random = self.rng("organisations").random
        calendar = self.calendar
        themes = self.theme_list

        def rows():
            for pk in range(first, first + count):
                kind = vocab.ORGANISATION_KINDS(random)
                draw = random()
                if draw < 0.6:
                    where = pick(random, self.communes)
                elif draw < 0.85:
                    where = pick(random, self.places["intercommunality"])
                else:
                    where = pick(random, self.places["department"])
                domains = vocab.DOMAINS.get(pick(random, themes)[1], vocab.GENERAL_DOMAINS)
                founded_year = 1950 + int(random() * 74)
                founded = dissolved = None
                if random() < 0.7:
                    founded = gen.partial_date(random, founded_year)
                defunct = random() < 0.04
                if defunct and founded:
                    dissolved_year = min(vocab.CURRENT_YEAR, founded_year + 1 + int(random() * 20))
                    dissolved = gen.partial_date(random, dissolved_year, after=founded)
                name, acronym, description = gen.organisation(
                    random, kind, where, pick(random, domains), founded_year
                )
                yield (
                    pk,
                    *gen.publication_columns(random, calendar),
                    name,
                    f"{self.slug(name)}-{pk}",
                    acronym,
                    kind,
                    description,
                    "",
                    founded,
                    defunct,
                    dissolved,
                    where.id,
                )

        columns = ["id", "publication_state", "published_at", "created_at", "updated_at"]
        columns += ["last_verified", "name", "slug", "acronym", "kind", "description"]
        columns += ["website", "founded_on", "is_defunct", "dissolved_on", "territory_id"]
        self.copy("actors_organisation", columns, rows())

    def persons(self):
        count = max(1, round(self.count / 20))
        first = self.reserve_ids("actors_person", count)
        self.person_range = (first, count)
        random = self.rng("persons").random
        calendar = self.calendar
        departments = self.places["department"]

        def rows():
            for pk in range(first, first + count):
                female = random() < 0.5
                names = vocab.FIRST_NAMES
                half = len(names) // 2
                first_name = names[int(random() * half) + (0 if female else half)]
                last_name = pick(random, vocab.LAST_NAMES)
                job = pick(random, vocab.JOBS)[0 if female else 1]
                domains = vocab.DOMAINS.get(pick(random, self.theme_list)[1], ["le développement"])
                biography = (
                    f"{job} {pick(random, vocab.WORKPLACES)} {pick(random, departments).of}, "
                    f"{'engagée' if female else 'engagé'} pour {pick(random, domains)} "
                    f"depuis {1995 + int(random() * 30)}."
                )
                consent = random() < 0.15
                email = (
                    f"{self.slug(first_name)}.{self.slug(last_name)}@example.org" if consent else ""
                )
                yield (
                    pk,
                    *gen.publication_columns(random, calendar),
                    first_name,
                    last_name,
                    f"{self.slug(first_name)}-{self.slug(last_name)}-{pk}",
                    biography,
                    email,
                    "",
                    consent,
                    calendar.dates[int(random() * 1500)] if consent else None,
                )

        columns = ["id", "publication_state", "published_at", "created_at", "updated_at"]
        columns += ["last_verified", "first_name", "last_name", "slug", "biography", "email"]
        columns += ["phone", "contact_consent", "consent_recorded_on"]
        self.copy("actors_person", columns, rows())

    def initiatives(self):
        count = self.count
        first = self.reserve_ids("initiatives_initiative", count)
        facts = self.facts = gen.InitiativeFacts.empty(first, count)
        random = self.rng("initiatives").random
        texts = gen.InitiativeTexts(random)
        calendar = self.calendar
        themes = self.theme_list
        places = []
        place_index = {}
        public = bytearray(count)

        # About 2 % of the initiatives are programmes, 10 % are parts of one.
        roles = bytearray(count)
        for position in range(count):
            draw = random()
            roles[position] = 1 if draw < 0.025 else 2 if draw < 0.125 else 0
        programmes = [position for position in range(count) if roles[position] == 1]
        if not programmes:
            roles = bytearray(count)

        def row(position, parent=None):
            pk = first + position
            if parent is None:
                theme = int(random() * len(themes))
                where = gen.pick_place(random, self.places)
            else:
                parent_position = parent - first
                theme = (
                    facts.themes[parent_position] if random() < 0.7 else int(random() * len(themes))
                )
                where = (
                    places[facts.places[parent_position]]
                    if random() < 0.5
                    else gen.pick_place(random, self.places)
                )
            index = place_index.get(where.id)
            if index is None:
                index = place_index[where.id] = len(places)
                places.append(where)
            theme_slug = themes[theme][1]
            is_programme = roles[position] == 1
            kind = "programme" if is_programme else vocab.INITIATIVE_KINDS(random)
            status = vocab.INITIATIVE_STATUSES(random)
            parent_period = None
            if parent is not None:
                low = facts.start_years[parent_position] or vocab.CURRENT_YEAR
                high = facts.end_years[parent_position] or max(low, vocab.CURRENT_YEAR)
                parent_period = (low, high)
            status, start, end, start_year, end_year = gen.initiative_period(
                random, status, parent_period
            )
            facts.start_years[position] = start_year
            facts.end_years[position] = end_year
            facts.themes[position] = theme
            facts.places[position] = index
            head, acronym = texts.head(theme_slug, programme=is_programme)
            summary, values = texts.summary(theme_slug, where, start_year)
            publication = gen.publication_columns(random, calendar)
            public[position] = publication[0] == "published" and (
                parent is None or public[parent_position]
            )
            return (
                pk,
                *publication,
                f"{head} {where.of}",
                f"{self.slug(head)}-{self.slug(where.of)}-{pk}",
                acronym,
                kind,
                status,
                summary,
                texts.body(values),
                texts.objectives(start_year),
                start,
                end,
                "",
                parent,
                [pk] if parent is None else [parent, pk],  # programmes have no parent
                bool(public[position]),
                "{}",
            )

        columns = ["id", "publication_state", "published_at", "created_at", "updated_at"]
        columns += ["last_verified", "title", "slug", "acronym", "kind", "status", "summary"]
        columns += ["body", "objectives", "start", "end", "website", "parent_id"]
        # What the suspended row triggers would compute (bench/demo/bulk.py).
        columns += ["lineage", "is_public", "translated_from"]
        # The lineage trigger reads the parent's lineage: programmes go in before their parts.
        self.copy(
            "initiatives_initiative",
            columns,
            (row(position) for position in range(count) if roles[position] != 2),
        )
        self.copy(
            "initiatives_initiative",
            columns,
            (
                row(position, first + pick(random, programmes))
                for position in range(count)
                if roles[position] == 2
            ),
        )
        self.initiative_places = places

    def links(self):
        random = self.rng("links").random
        facts = self.facts
        themes = self.theme_list
        places = self.initiative_places

        def theme_rows():
            for position in range(self.count):
                pk = facts.first_id + position
                chosen = {themes[facts.themes[position]][0]}
                wanted = 1 + (random() < 0.65) + (random() < 0.35)
                while len(chosen) < wanted:
                    chosen.add(pick(random, themes)[0])
                for theme in chosen:
                    yield pk, theme

        def territory_rows():
            for position in range(self.count):
                pk = facts.first_id + position
                primary = places[facts.places[position]].id
                yield pk, primary
                if random() < 0.4:
                    other = gen.pick_place(random, self.places).id
                    if other != primary:
                        yield pk, other

        self.copy("initiatives_initiative_themes", ["initiative_id", "theme_id"], theme_rows())
        self.copy(
            "initiatives_initiative_territories",
            ["initiative_id", "territory_id"],
            territory_rows(),
        )

    def involvements(self):
        random = self.rng("involvements").random
        facts = self.facts
        first_organisation, organisations = self.organisation_range
        first_person, persons = self.person_range

        def organisation():
            # Some organisations take part in many initiatives, most in a few.
            share = random() ** 2 if random() < 0.5 else random()
            return first_organisation + int(share * organisations), None

        def person():
            return None, first_person + int(random() * persons)

        def rows():
            for position in range(self.count):
                pk = facts.first_id + position
                start_year = facts.start_years[position]
                end_year = facts.end_years[position]
                seen = set()
                for number in range(vocab.INVOLVEMENT_COUNTS(random)):
                    if number == 0:
                        role = "pilot"
                        actor = organisation() if random() < 0.85 else person()
                    else:
                        role = vocab.OTHER_ROLES(random)
                        wants_person = role in vocab.PERSON_ROLES and random() < 0.6
                        actor = person() if wants_person or random() < 0.05 else organisation()
                    if (role, actor) in seen:
                        continue
                    seen.add((role, actor))
                    start = end = amount = None
                    if start_year and random() < 0.3:
                        start = gen.partial_date(random, start_year + int(random() * 2))
                        if end_year and random() < 0.5:
                            end = gen.partial_date(
                                random, max(end_year, int(start[:4])), after=start
                            )
                    if role == "funder" and random() < 0.7:
                        amount = str(int(5000 + random() ** 3 * 500_000) // 100 * 100)
                    note = pick(random, vocab.INVOLVEMENT_NOTES) if random() < 0.08 else ""
                    yield pk, *actor, role, start, end, amount, note

        columns = ["initiative_id", "organisation_id", "person_id", "role", "start", "end"]
        columns += ["amount", "note"]
        self.copy("actors_involvement", columns, rows())

    def year_within(self, random, position):
        """A year of the initiative's life, up to this year when it is still going."""
        low = self.facts.start_years[position] or vocab.CURRENT_YEAR
        high = self.facts.end_years[position] or max(low, vocab.CURRENT_YEAR)
        return low + int(random() * (min(high, low + 8) - low + 1))

    def milestones(self):
        random = self.rng("milestones").random
        first = self.facts.first_id

        def rows():
            for position in range(self.count):
                for _ in range(vocab.MILESTONE_COUNTS(random)):
                    title, text = pick(random, vocab.MILESTONES)
                    date_ = gen.partial_date(random, self.year_within(random, position))
                    yield first + position, date_, title, text

        self.copy("initiatives_milestone", ["initiative_id", "date", "title", "text"], rows())

    def events(self):
        random = self.rng("events").random
        facts = self.facts
        themes = self.theme_list

        def rows():
            for position in range(self.count):
                for _ in range(vocab.EVENT_COUNTS(random)):
                    kind = vocab.EVENT_KINDS(random)
                    year = self.year_within(random, position)
                    draw = random()
                    end = None
                    note = ""
                    if draw < 0.6:
                        month, day = int(random() * 12) + 1, int(random() * 26) + 1
                        start = f"{year}-{month:02d}-{day:02d}"
                        if random() < 0.15:
                            end = f"{year}-{month:02d}-{day + 1 + int(random() * 2):02d}"
                    elif draw < 0.85:
                        start = f"{year}-{int(random() * 12) + 1:02d}"
                    else:
                        start = str(year)
                        note = "date à préciser" if random() < 0.3 else ""
                    theme_slug = themes[facts.themes[position]][1]
                    domain = pick(random, vocab.DOMAINS.get(theme_slug, vocab.GENERAL_DOMAINS))
                    title = pick(random, vocab.EVENT_TITLES[kind]).format(
                        topic=pick(random, vocab.EVENT_TOPICS), x=domain, de=gen.de(domain)
                    )
                    where = pick(random, self.communes)
                    venue = pick(random, vocab.VENUES) if random() < 0.7 else ""
                    status = gen.event_status(start, random)
                    descriptions = vocab.EVENT_DESCRIPTIONS[status]
                    description = pick(random, descriptions) if random() < 0.6 else ""
                    yield (
                        facts.first_id + position,
                        title,
                        kind,
                        status,
                        start,
                        end,
                        note,
                        where.id,
                        venue,
                        description,
                    )

        columns = ["initiative_id", "title", "kind", "status", "start", "end", "date_note"]
        columns += ["territory_id", "venue", "description"]
        self.copy("initiatives_event", columns, rows())

    def figures(self):
        random = self.rng("figures").random
        calendar = self.calendar
        first = self.facts.first_id

        def rows():
            for position in range(self.count):
                for _ in range(vocab.FIGURE_COUNTS(random)):
                    label, unit, low, high, decimals = pick(random, vocab.FIGURES)
                    value = low + (high - low) * random() ** 2
                    value = f"{value:.{decimals}f}"
                    year = self.year_within(random, position)
                    period_start = None
                    if random() < 0.15:
                        period_start = str(year - 1 - int(random() * 10))
                    yield (
                        first + position,
                        value,
                        unit,
                        label,
                        random() < 0.2,
                        gen.partial_date(random, year),
                        period_start,
                        calendar.dates[int(random() * 700)] if random() < 0.3 else None,
                    )

        columns = ["initiative_id", "value", "unit", "label", "is_lower_bound", "date"]
        columns += ["period_start", "last_verified"]
        self.copy("initiatives_keyfigure", columns, rows())
