"""What the registry says against itself: the inconsistencies staff must fix.

One function per check, each returning its findings; `manage.py check_data` and the admin
page « Contrôle des données » run the same list (CHECKS). Every record is looked at, whatever
its publication state: a draft is fixed before it is published.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from actors.models import Funding, Involvement, Organisation
from initiatives.models import Document, Event, Initiative


@dataclass(frozen=True)
class Finding:
    record: object
    message: str

    @property
    def label(self):
        return str(self.record)

    @property
    def admin_url(self):
        opts = self.record._meta
        try:
            return reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.record.pk]
            )
        except NoReverseMatch:
            return ""

    @property
    def public_url(self):
        get_url = getattr(self.record, "get_absolute_url", None)
        return get_url() if get_url else ""


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    advice: str
    run: object  # function(today) -> list[Finding]


def plain(text):
    """Lower case, without accents, one kind of apostrophe: "Club Noé" meets "CLUB NOE"."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'")).casefold()
    return "".join(char for char in text if not unicodedata.combining(char))


# Finished initiatives ---------------------------------------------------------------------------

SINCE_YEAR = re.compile(r"\bdepuis (?:l'an )?\d{4}\b")


def finished_without_end(today):
    """Finished (or abandoned) without an end, unless the sources are said not to give it; and
    finished but summarised as still going ("depuis 1996")."""
    findings = []
    finished = Initiative.objects.filter(status__in=Initiative.FINISHED).order_by("sort_key")
    for initiative in finished:
        status = initiative.get_status_display()
        if not initiative.end and not initiative.end_unknown:
            findings.append(
                Finding(
                    initiative,
                    f"« {status} » sans date de fin : indiquez la fin, ou cochez « fin inconnue "
                    "des sources » si les documents ne la donnent pas.",
                )
            )
        match = SINCE_YEAR.search(plain(initiative.summary))
        if match:
            findings.append(
                Finding(
                    initiative,
                    f"« {status} », mais le résumé dit « {match.group()} », comme si elle se "
                    "poursuivait.",
                )
            )
    return findings


# Events -----------------------------------------------------------------------------------------


def past_events_still_planned(today):
    """Planned events whose date is past, and planned events without a date (nobody can tell
    whether they took place: give the date, or the status « Non confirmé »)."""
    planned = Event.objects.filter(status=Event.Status.PLANNED).select_related("initiative")
    findings = [
        Finding(event, f"Date passée ({event.start}) mais toujours « Prévu » : tenu ou annulé ?")
        for event in planned.past(today).order_by("start", "pk")
    ]
    findings += [
        Finding(
            event,
            "« Prévu » sans date : donnez la date, ou le statut « Non confirmé » si la source "
            "ne dit pas s'il a eu lieu.",
        )
        for event in planned.filter(start__isnull=True).order_by("pk")
    ]
    return findings


# Stated counts ----------------------------------------------------------------------------------

NUMBER_WORDS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "dix-sept": 17, "dix-huit": 18, "dix-neuf": 19, "vingt": 20,
    "trente": 30, "quarante": 40, "cinquante": 50,
}  # fmt: skip
# "un", "une" are left out: "une opération de développement" names one, it does not count.
NUMBER = r"(?P<number>\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"


def kind_nouns(kind_label):
    """The nouns a text uses for a kind of child, singular or plural, without accents:
    "Opération de développement" → opération(s); "Conférence, atelier" → conférence(s),
    atelier(s); "Étude-action" → étude(s)-action(s)."""
    nouns = []
    for alternative in kind_label.split(","):
        first_word = plain(alternative).split()[0]
        nouns.append("-".join(f"{re.escape(part)}[sx]?" for part in first_word.split("-")))
    return "|".join(nouns)


def stated_counts(text, kind_label):
    """Each count the text gives for that kind of child: "neuf opérations" → 9.

    Only a number written just before the noun counts (« 9 opérations de développement »,
    "neuf opérations"); "9 chefs de projets" does not count projects."""
    pattern = re.compile(rf"\b{NUMBER}\s+(?:«\s*)?(?:{kind_nouns(kind_label)})\b")
    counts = []
    flat = plain(text)
    for match in pattern.finditer(flat):
        number = match.group("number")
        # Quote the text as written when folding kept its length (it does for French).
        phrase = text[match.start() : match.end()] if len(flat) == len(text) else match.group()
        counts.append((int(number) if number.isdigit() else NUMBER_WORDS[number], phrase))
    return counts


def stated_count_differs(today):
    """A text (summary, objectives, description, key figure) announcing fewer children of a kind
    than the page lists: « neuf opérations » above ten operations.

    Only more children than announced is a contradiction: a text may count things the registry
    does not hold as records (five workshops of which one is recorded, four networks that are
    organisations), and flagging those would bury the real findings."""
    findings = []
    kinds = dict(Initiative.Kind.choices)
    parents = (
        Initiative.objects.filter(children__isnull=False)
        .distinct()
        .prefetch_related("figures")
        .order_by("sort_key")
    )
    for parent in parents:
        listed = {}
        for kind in (
            Initiative.objects.published().filter(parent=parent).values_list("kind", flat=True)
        ):
            listed[kind] = listed.get(kind, 0) + 1
        figures = [f"{figure.value.normalize():f} {figure.unit}" for figure in parent.figures.all()]
        texts = [parent.summary, parent.objectives, parent.body, *figures]
        for kind, count in listed.items():
            stated = {}
            for text in texts:
                for number, phrase in stated_counts(text, kinds[kind]):
                    stated.setdefault(number, phrase)
            for number, phrase in sorted(stated.items()):
                if number < count:
                    findings.append(
                        Finding(
                            parent,
                            f"Le texte dit « {phrase} » mais la page en liste {count} "
                            f"(type « {kinds[kind]} »).",
                        )
                    )
    return findings


# Documents --------------------------------------------------------------------------------------


def documents_without_reference(today):
    """A document the public can neither open, follow nor look up."""
    documents = Document.objects.filter(file="", url="", bibliographic_note="")
    return [
        Finding(
            document,
            "Ni fichier, ni lien, ni notice bibliographique : donnez au moins la notice (auteur, "
            "titre, date, où le trouver, ou ce que l'on en sait).",
        )
        for document in documents.order_by("sort_key")
    ]


# Organisations named without a role -------------------------------------------------------------


def organisations_named_without_role(today):
    """An organisation named (by its name or acronym) in an initiative's summary, objectives or
    description, with no role nor funding in it or in one of its sub-initiatives."""
    names = {}
    for organisation in Organisation.objects.order_by("sort_key"):
        for name in (organisation.name, organisation.acronym):
            if len(name.strip()) >= 2:
                names.setdefault(plain(name.strip()), organisation)
    if not names:
        return []
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + r")(?![\w-])"
    )
    linked = set()
    for model, actor in ((Involvement, "organisation_id"), (Funding, "beneficiary_id")):
        rows = model.objects.exclude(**{f"{actor}__isnull": True})
        for lineage, organisation_id in rows.values_list("initiative__lineage", actor):
            linked.update((ancestor, organisation_id) for ancestor in lineage)
    findings = []
    for initiative in Initiative.objects.order_by("sort_key"):
        text = plain(" ".join((initiative.summary, initiative.objectives, initiative.body)))
        seen = set()
        for match in pattern.finditer(text):
            organisation = names[match.group(1)]
            if (initiative.pk, organisation.pk) in linked or organisation.pk in seen:
                continue
            seen.add(organisation.pk)
            findings.append(
                Finding(
                    initiative,
                    f"Le texte nomme « {organisation.name} », qui n'y a aucun rôle publié : "
                    "ajoutez son implication (ou son financement), ou retirez-le du texte.",
                )
            )
    return findings


# Territories ------------------------------------------------------------------------------------


def territories_with_events_but_no_initiative(today):
    """Public events held in a territory whose page does not show their initiative."""
    events = (
        Event.objects.published()
        .filter(territory__isnull=False)
        .select_related("territory", "initiative")
        .order_by("territory__sort_key", "start", "pk")
    )
    by_territory = {}
    for event in events:
        by_territory.setdefault(event.territory, []).append(event)
    findings = []
    for territory, held in by_territory.items():
        shown = set(
            Initiative.objects.published()
            .in_territory(territory)
            .filter(pk__in=[event.initiative_id for event in held])
            .values_list("pk", flat=True)
        )
        missing = {event.initiative: None for event in held if event.initiative_id not in shown}
        for initiative in missing:
            count = sum(1 for event in held if event.initiative_id == initiative.pk)
            findings.append(
                Finding(
                    territory,
                    f"{count} événement{'s' if count > 1 else ''} de « {initiative.title} » "
                    f"{'y ont' if count > 1 else 'y a'} eu lieu, mais la page du territoire ne "
                    "montre pas cette initiative : ajoutez le territoire à l'initiative.",
                )
            )
    return findings


CHECKS = [
    Check(
        "finished",
        "Initiatives terminées sans date de fin",
        "Une initiative « Terminé » doit dire quand elle a pris fin, ou que les sources ne le "
        "disent pas.",
        finished_without_end,
    ),
    Check(
        "planned",
        "Événements passés encore « Prévu »",
        "Un événement dont la date est passée a eu lieu ou a été annulé.",
        past_events_still_planned,
    ),
    Check(
        "counts",
        "Nombres annoncés démentis par les fiches",
        "Le texte annonce moins d'actions rattachées que la page n'en liste.",
        stated_count_differs,
    ),
    Check(
        "documents",
        "Documents introuvables",
        "Un document sans fichier, sans lien et sans notice bibliographique ne peut être retrouvé.",
        documents_without_reference,
    ),
    Check(
        "named",
        "Organisations nommées sans rôle",
        "Une organisation citée dans le texte d'une initiative y a un rôle ou un financement.",
        organisations_named_without_role,
    ),
    Check(
        "territories",
        "Territoires avec des événements mais sans leur initiative",
        "La page d'un territoire montre les initiatives dont des événements s'y sont tenus.",
        territories_with_events_but_no_initiative,
    ),
]


def run_checks(today):
    """[(check, findings)] for every check, in the order of CHECKS."""
    return [(check, check.run(today)) for check in CHECKS]
