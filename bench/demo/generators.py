"""Names, texts and rows drawn from the French vocabularies, for bench/generate.py.

Everything here is plain Python fed by one seeded `random.Random`: the loader owns the
database side (ids, COPY, indexes). Rows are tuples in the column order of the loader's COPY
statements; partial dates are ISO text of their precision ("2016", "2016-03", "2016-03-21").
"""

from array import array
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils.text import slugify

from bench.demo.vocabulary import (
    ABOUT,
    ASSOCIATIONS,
    BASES,
    BODY_SENTENCES,
    CARRIERS,
    COMPANY_TRADES,
    CURRENT_YEAR,
    DEPARTMENTS,
    DOMAINS,
    FIRST_YEAR,
    GENERAL_DOMAINS,
    HEADS,
    LABORATORIES,
    LAST_NAMES,
    MIDDLES,
    NAMED_SCHEMES,
    NETWORKS,
    OBJECTIVES,
    ORGANISATION_DESCRIPTIONS,
    PROGRAMME_HEADS,
    PUBLICATION,
    QUALIFIERS,
    SAINTS,
    SUMMARY_FOLLOW_UPS,
    SUMMARY_OPENINGS,
    SYLLABLES,
    UNIVERSITIES,
    VOWELS,
    WITH_ARTICLE,
)

# Words and dates ----------------------------------------------------------------------------


def pick(random, values):
    return values[int(random() * len(values))]


def capitalize(text):
    return text[:1].upper() + text[1:]


def de(phrase):
    """French "de" before a noun phrase: "du Santerre", "de la Somme", "d'Amiens", "des Weppes",
    "du Plessier-le-Comte" (the article of a commune's name contracts too)."""
    if phrase.startswith(("le ", "Le ")):
        return "du " + phrase[3:]
    if phrase.startswith(("les ", "Les ")):
        return "des " + phrase[4:]
    if phrase.startswith(VOWELS):
        return "d'" + phrase
    return "de " + phrase


def at(name):
    """ "à Amiens", "au Plessier-le-Comte", "aux Ageux"."""
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith("Les "):
        return "aux " + name[4:]
    return "à " + name


def in_place(phrase):
    """ "dans le Santerre", "dans la Thiérache", "en Hauts-de-France" (by its article)."""
    if phrase.startswith(("le ", "la ", "les ", "l'")):
        return "dans " + phrase
    return "en " + phrase


def partial_date(random, year, after=None):
    """A date of a random precision within the year, never before `after` at the coarser
    precision of the two (the rule of the database constraints)."""
    draw = random()
    if draw < 0.55:
        value = str(year)
    elif draw < 0.85:
        value = f"{year}-{int(random() * 12) + 1:02d}"
    else:
        value = f"{year}-{int(random() * 12) + 1:02d}-{int(random() * 28) + 1:02d}"
    if after is not None:
        width = min(len(after), len(value))
        if value[:width] < after[:width]:
            return str(year)  # the year alone is never before a date of the same year
    return value


class Calendar:
    """Timestamps and dates of the last years as ready-made text, counted in days before today:
    formatting them row by row would cost more than generating the rest of the row."""

    def __init__(self, today, days=3000):
        self.timestamps = [
            f"{today - timedelta(days=ago):%Y-%m-%d} {8 + ago % 10:02d}:{ago % 60:02d}:00+00"
            for ago in range(days)
        ]
        self.dates = [f"{today - timedelta(days=ago):%Y-%m-%d}" for ago in range(days)]


# Publication --------------------------------------------------------------------------------


def publication_columns(random, calendar):
    """(publication_state, published_at, created_at, updated_at, last_verified)."""
    state = PUBLICATION(random)
    created = 30 + int(random() * 2500)
    updated = int(created * random())
    published = None
    if state in ("published", "archived"):
        published = calendar.timestamps[max(updated, created - int(random() * 30))]
    verified = calendar.dates[int(random() * 1000)] if random() < 0.6 else None
    return state, published, calendar.timestamps[created], calendar.timestamps[updated], verified


# Territories --------------------------------------------------------------------------------


def commune_name(random, plan, seats):
    """A plausible commune name: "Saint-Martin-sur-Authie", "Villers-le-Bois", "Hondeghem"."""
    draw = random()
    if draw < 0.18:
        base = pick(random, SAINTS)
    elif draw < 0.45:
        base = pick(random, BASES)
    elif draw < 0.52:
        base = pick(random, WITH_ARTICLE)
    else:
        stem = pick(random, SYLLABLES) + pick(random, MIDDLES)
        ending = pick(random, plan.endings)
        if stem.endswith(VOWELS) and ending.startswith(VOWELS):
            stem = stem[:-1]  # "Gouri" + "in" makes "Gourin", not "Gouriin"
        base = stem + ending
        if random() < 0.7:
            return base
    draw = random()
    if draw < 0.3:
        river = pick(random, plan.rivers)
        return f"{base}-sur-{river}"
    if draw < 0.45 and seats:
        return f"{base}-lès-{pick(random, seats)}"
    if draw < 0.6:
        # "-en-Thiérache", "-en-Artois": only the one-word names of the pays.
        words = pick(random, plan.pays).replace("l'", "l' ").split(" ")
        if len(words) == 2:
            return f"{base}-en-{words[1]}"
    return base + pick(random, QUALIFIERS)


def intercommunality_name(random, plan, seat):
    pays = pick(random, plan.pays)
    draw = random()
    if draw < 0.15:
        return f"Communauté d'agglomération {de(pays)}"
    if draw < 0.4:
        return f"Communauté de communes {de(pays)}"
    if draw < 0.55:
        return f"Communauté de communes du Val {de(pick(random, plan.rivers))}"
    if draw < 0.7:
        return f"Communauté de communes des Portes {de(pays)}"
    if draw < 0.85:
        return f"Communauté de communes du Pays {de(seat)}"
    return f"Communauté de communes {de(seat)} et environs"


@dataclass
class TerritoryPlan:
    """The rows of the intercommunalities and communes to add under the departments."""

    intercommunalities: list = field(default_factory=list)
    communes: list = field(default_factory=list)


def territory_rows(random, departments, first_id, taken_codes):
    """~90 intercommunalities and ~3,800 communes, each in its department's box, communes near
    the centre of their intercommunality. `departments` maps a department slug to its id."""
    plan = TerritoryPlan()
    next_id = first_id
    for department in DEPARTMENTS:
        department_id = departments[department.slug]
        south, north, west, east = department.box
        codes = sorted(
            random.sample(
                [n for n in range(1, 1000) if f"{department.code}{n:03d}" not in taken_codes],
                department.communes,
            )
        )
        sizes = [1 + random.random() for _ in range(department.intercommunalities)]
        total = sum(sizes)
        names, epci_names, seats = set(), set(), []
        position = 0
        for index, size in enumerate(sizes):
            count = round(department.communes * size / total)
            if index == len(sizes) - 1:
                count = department.communes - position
            latitude = south + (north - south) * (0.1 + 0.8 * random.random())
            longitude = west + (east - west) * (0.1 + 0.8 * random.random())
            members = []
            for _ in range(count):
                name = commune_name(random.random, department, seats)
                while name in names:
                    name = commune_name(random.random, department, seats)
                names.add(name)
                code = f"{department.code}{codes[position]:03d}"
                position += 1
                lat = min(north, max(south, random.gauss(latitude, 0.08)))
                lon = min(east, max(west, random.gauss(longitude, 0.12)))
                members.append([name, code, f"{lat:.5f}", f"{lon:.5f}"])
            epci_name = intercommunality_name(random.random, department, members[0][0])
            while epci_name in epci_names:
                seat = pick(random.random, members)[0]
                epci_name = intercommunality_name(random.random, department, seat)
            epci_names.add(epci_name)
            if "-" not in members[0][0]:
                seats.append(members[0][0])
            epci_id = next_id
            next_id += 1
            siren = f"2{department.code}{int(random.random() * 1_000_000):06d}"
            description = (
                f"Intercommunalité de {len(members)} communes {de(department.article_name)}."
            )
            plan.intercommunalities.append(
                (
                    epci_id,
                    epci_name,
                    f"{slugify(epci_name)}-{siren}",
                    "intercommunality",
                    siren,
                    description,
                    f"{latitude:.5f}",
                    f"{longitude:.5f}",
                    department_id,
                )
            )
            for name, code, lat, lon in members:
                plan.communes.append(
                    (next_id, name, f"{slugify(name)}-{code}", "commune", code, "", lat, lon)
                    + (epci_id,)
                )
                next_id += 1
    return plan


@dataclass
class Place:
    """A territory as the texts name it: "de la Somme", "dans la Somme", "à Amiens"."""

    id: int
    kind: str
    name: str
    of: str  # "de Villers-le-Bois", "du Pays de Bray"
    within: str  # "à Villers-le-Bois", "sur le territoire de la Communauté de communes …"


DEPARTMENT_ARTICLES = {plan.slug: plan.article_name for plan in DEPARTMENTS}


def place(territory_id, name, kind, slug=""):
    if kind == "commune":
        return Place(territory_id, kind, name, de(name), at(name))
    if kind == "department":
        article_name = DEPARTMENT_ARTICLES.get(slug, name)
        return Place(territory_id, kind, name, de(article_name), in_place(article_name))
    if kind == "region":
        return Place(territory_id, kind, name, f"des {name}", f"en {name}")
    # "Communauté de communes du Pays de Bray": titles say "du Pays de Bray".
    short = name.split(" ", 3)[-1] if name.startswith("Communauté") else ""
    if short.startswith(("du ", "des ", "de la ", "de l'", "d'")):
        return Place(territory_id, kind, name, short, f"sur le territoire de la {name}")
    article = "la " if name.startswith(("Communauté", "Métropole")) else ""
    of = de(article + name)
    return Place(territory_id, kind, name, of, f"sur le territoire {of}")


# Initiatives --------------------------------------------------------------------------------


class InitiativeTexts:
    """Titles, summaries and bodies of initiatives about a theme in a place."""

    def __init__(self, random):
        self.random = random

    def head(self, theme_slug, programme=False):
        """(head, acronym) of a title, to which the command appends the place: the slug of
        each part is then computed once, not once per initiative."""
        random = self.random
        schemes = NAMED_SCHEMES.get(theme_slug)
        if schemes and not programme and random() < 0.3:
            head, acronym = pick(random, schemes)
            return head, acronym if random() < 0.7 else ""
        domain = pick(random, DOMAINS.get(theme_slug, GENERAL_DOMAINS))
        heads = PROGRAMME_HEADS if programme else HEADS
        return pick(random, heads).format(de=de(domain), x=domain), ""

    def summary(self, theme_slug, where, year):
        random = self.random
        domain = pick(random, DOMAINS.get(theme_slug, GENERAL_DOMAINS))
        values = {
            "de": de(domain),
            "x": domain,
            "within": where.within,
            "of": where.of,
            "year": year,
            "carrier": pick(random, CARRIERS),
            "about": pick(random, ABOUT),
            "count": 20 + int(random() * 480),
        }
        text = pick(random, SUMMARY_OPENINGS).format_map(values)
        if random() < 0.6:
            text += " " + pick(random, SUMMARY_FOLLOW_UPS).format_map(values)
        return capitalize(text), values

    def body(self, values):
        """2 to 4 paragraphs: context, method, then results and outlook."""
        random = self.random
        paragraphs = []
        for sentences in BODY_SENTENCES[: 2 + int(random() * 3)]:
            first = int(random() * len(sentences))
            paragraph = sentences[first]
            if random() < 0.5:
                # Another sentence of the same kind, never the same one.
                second = (first + 1 + int(random() * (len(sentences) - 1))) % len(sentences)
                paragraph += " " + sentences[second]
            paragraphs.append(paragraph)
        return "\n\n".join(paragraphs).format_map(values)

    def objectives(self, year):
        random = self.random
        if random() < 0.5:
            return ""
        values = {
            "percent": 10 + 5 * int(random() * 7),
            "later": year + 3 + int(random() * 5),
            "count": 10 + int(random() * 90),
        }
        items = [pick(random, OBJECTIVES) for _ in range(2 + int(random() * 2))]
        return "\n".join(f"- {item}" for item in dict.fromkeys(items)).format_map(values)


@dataclass
class InitiativeFacts:
    """What later tables need to know about each generated initiative, by position."""

    first_id: int
    start_years: array
    end_years: array
    themes: array  # position in the theme list
    places: array  # position in the place list

    @classmethod
    def empty(cls, first_id, count):
        return cls(
            first_id,
            array("H", bytes(2 * count)),
            array("H", bytes(2 * count)),
            array("H", bytes(2 * count)),
            array("I", bytes(4 * count)),
        )


def initiative_period(random, status, parent_period=None):
    """(status, start, end, start_year, end_year), coherent together; a part of a programme
    starts within the programme's years (it cannot be over if it starts next year)."""
    if parent_period:
        low, high = parent_period
        start_year = min(CURRENT_YEAR + 1, low + int(random() * (high - low + 1)))
        if start_year > CURRENT_YEAR:
            status = "planned"
    elif status == "planned":
        start_year = CURRENT_YEAR + int(random() * 3)
    else:
        # More recent initiatives than old ones, as in a registry that grows.
        start_year = CURRENT_YEAR - int(random() ** 1.6 * (CURRENT_YEAR - FIRST_YEAR))
    if status == "planned" and random() < 0.3:
        return status, None, None, start_year, 0
    start = partial_date(random, start_year)
    end_year = 0
    if status in ("done", "abandoned"):
        end_year = min(CURRENT_YEAR, start_year + int(random() * 7))
    elif status == "ongoing" and random() < 0.2:
        end_year = CURRENT_YEAR + int(random() * 5)
    end = partial_date(random, end_year, after=start) if end_year else None
    return status, start, end, start_year, end_year


# Actors -------------------------------------------------------------------------------------


def organisation(random, kind, where, domain, year):
    """(name, acronym, description) of an organisation of this kind in this place."""
    values = {
        "year": year,
        "x": domain,
        "within": where.within,
        "of": where.of,
        "about": pick(random, ABOUT),
    }
    acronym = ""
    if kind == "public_body":
        draw = random()
        if where.kind == "intercommunality" and draw < 0.6:
            name = where.name
        elif where.kind == "department" and draw < 0.3:
            name = f"Conseil départemental {where.of}"
        elif draw < 0.6:
            name = f"Syndicat mixte pour {domain} {where.of}"
        elif where.kind == "commune" and draw < 0.8:
            name = f"Centre communal d'action sociale {where.of}"
            acronym = "CCAS"
        elif where.kind == "commune":
            name = f"Commune {where.of}"
        else:
            name = f"Syndicat intercommunal {where.of}"
    elif kind == "agency":
        name = pick(
            random,
            [
                f"Agence d'urbanisme {where.of}",
                f"Agence locale de l'énergie et du climat {where.of}",
                f"Agence de développement économique {where.of}",
            ],
        )
        acronym = pick(random, ["AU", "ALEC", "ADE"]) if random() < 0.5 else ""
    elif kind == "chamber":
        name = pick(
            random,
            [
                f"Chambre d'agriculture {where.of}",
                f"Chambre de commerce et d'industrie {where.of}",
                f"Chambre de métiers et de l'artisanat {where.of}",
            ],
        )
    elif kind == "association":
        name = f"{pick(random, ASSOCIATIONS)} {where.of}"
    elif kind == "network":
        name = f"{pick(random, NETWORKS)} pour {domain} {where.of}"
    elif kind == "company":
        draw = random()
        if draw < 0.6:
            name = f"{pick(random, COMPANY_TRADES)} {pick(random, LAST_NAMES)}"
        else:
            name = "SCOP " + pick(random, SYLLABLES) + pick(random, MIDDLES)
            name += pick(random, ["tec", "via", "lis", "ore"])
    elif kind == "research":
        name = f"{pick(random, LABORATORIES)} de l'{pick(random, UNIVERSITIES)}"
    else:
        name = pick(
            random,
            [
                f"{pick(random, LAST_NAMES)} Conseil",
                f"Cabinet {pick(random, LAST_NAMES)} et associés",
                f"Bureau d'études {pick(random, SYLLABLES)}{pick(random, MIDDLES)}",
            ],
        )
    sentences = [pick(random, ORGANISATION_DESCRIPTIONS) for _ in range(1 + int(random() * 2))]
    return name, acronym, " ".join(dict.fromkeys(sentences)).format_map(values)


# Events -------------------------------------------------------------------------------------


def event_status(start, random):
    """Held or cancelled in the past, planned (sometimes cancelled) in the future."""
    upcoming = start[:4] >= str(CURRENT_YEAR)
    draw = random()
    if upcoming:
        return "cancelled" if draw < 0.08 else "planned"
    return "cancelled" if draw < 0.1 else "held"


def pick_place(random, places):
    """Where an initiative happens: a commune half the time, rarely the whole region."""
    draw = random()
    if draw < 0.5:
        return pick(random, places["commune"])
    if draw < 0.8:
        return pick(random, places["intercommunality"])
    if draw < 0.95:
        return pick(random, places["department"])
    return pick(random, places["region"])
