"""The demonstration data of fixtures/: every fact of the five seed documents, loaded twice."""

import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command

from actors.models import Affiliation, Funding, Involvement, Organisation, Person
from initiatives.models import (
    Document,
    Event,
    Initiative,
    KeyFigure,
    KeywordLabel,
    Milestone,
    SourceCitation,
    Territory,
    Theme,
)

pytestmark = pytest.mark.django_db

NINE_OPERATIONS = {
    "Gouvernance alimentaire",
    "Valorisation de la forêt et filière bois",
    "L'eau dans l'Audomarois",
    "Stratégie énergétique",
    "Lutte contre le diabète",
    "Plan 100 000 logements : rénovation thermique des bâtiments",
    "Euralens et la Cité du Louvre",
    "Lycée du 3e millénaire",
    "Filière de démantèlement du nucléaire",
}
CLUB_NOE_FOUNDERS = {
    "atemis",
    "cci-grand-lille",
    "creation-developpement-eco-entreprises",
    "centre-ressource-du-developpement-durable",
    "centre-des-jeunes-dirigeants",
    "reseau-alliances",
    "conseil-regional-nord-pas-de-calais",
}
COMPANIES = {
    "flexink",
    "gesnord",
    "paniers-lea",
    "terre-d-origine",
    "share-and-smile",
    "atre",
    "gloriant-bureautique",
    "dumont",
    "hd",
    "textifloor",
    "bleard",
}
LIVRE_BLANC_CITATION = (
    "La Conférence Permanente du Bassin Minier, Livre Blanc - Une ambition partagée pour "
    "l'après-charbon, Conseil Régional Nord Pas, 1998/02 (France)"
)
RECORD_TITLE = (
    "Rechercher une meilleure synergie entre les entreprises et les autres acteurs, stimuler "
    "l’esprit d’initiative et articuler les projets et les territoires"
)

# Slugs of the main rows.
TESR = "transformation-ecologique-et-sociale-de-la-region"
TRI = "troisieme-revolution-industrielle"
EFC = "soutien-deploiement-economie-fonctionnalite-cooperation"
EFC_STUDY = "etude-action-pme-et-economie-de-la-fonctionnalite"
EFC_2012 = "accompagnement-22-dirigeants-pme-economie-de-la-fonctionnalite"
PICARDIE = "co-animation-reseau-regional-economie-circulaire-picardie"
CPBM = "conference-permanente-du-bassin-minier"
ATELIER = "atelier-economie-et-developpement"
CR_NPDC = "conseil-regional-nord-pas-de-calais"
CR_HDF = "conseil-regional-des-hauts-de-france"


@pytest.fixture(autouse=True)
def _demo_loaded(demo_data, db):
    """The seed, loaded once for the module; each test runs in a savepoint over it."""


# Helpers ----------------------------------------------------------------------------------------


def ini(slug):
    return Initiative.objects.get(slug=slug)


def org(slug):
    return Organisation.objects.get(slug=slug)


def person(slug):
    return Person.objects.get(slug=slug)


def place(slug):
    return Territory.objects.get(slug=slug)


def iso(partial_date):
    return partial_date.iso if partial_date else None


def roles(initiative_slug, role):
    """Slugs of the organisations and persons with that role in the initiative."""
    rows = Involvement.objects.filter(initiative__slug=initiative_slug, role=role)
    return {(row.organisation or row.person).slug for row in rows}


def figure(initiative_slug, value):
    return KeyFigure.objects.get(initiative__slug=initiative_slug, value=Decimal(value))


def event_on(day):
    return Event.objects.get(start=day)


def affiliation(person_slug, job_title):
    return Affiliation.objects.get(person__slug=person_slug, job_title=job_title)


def funding_status(company_slug):
    return Funding.objects.get(initiative__slug="club-noe", beneficiary__slug=company_slug).status


def milestone_years(slug):
    return [iso(m.date) for m in Milestone.objects.filter(initiative__slug=slug)]


def has_source(model, pk):
    content_type = ContentType.objects.get_for_model(model)
    return SourceCitation.objects.filter(content_type=content_type, object_id=pk).exists()


# The facts --------------------------------------------------------------------------------------

FACTS = [
    # Seed 002: the TESR and its nine operations.
    (
        "TESR a exactement neuf opérations publiées, celles de la fiche",
        lambda: (
            set(
                Initiative.objects.published()
                .filter(parent__slug=TESR, kind="operation")
                .values_list("title", flat=True)
            )
            == NINE_OPERATIONS
        ),
    ),
    (
        "TESR : sigle, programme, depuis 2010",
        lambda: (
            (ini(TESR).acronym, ini(TESR).kind, iso(ini(TESR).start))
            == ("TESR", "programme", "2010")
        ),
    ),
    (
        "TESR : en Nord-Pas-de-Calais",
        lambda: (
            list(ini(TESR).territories.values_list("slug", flat=True)) == ["nord-pas-de-calais"]
        ),
    ),
    (
        "TESR : site web tel que donné",
        lambda: ini(TESR).website == "http://www.assises-tesr.nordpasdecalsais.fr",
    ),
    ("TESR : plus de 200 parties prenantes", lambda: figure(TESR, "200").is_lower_bound),
    (
        "TESR : 9 opérations de développement",
        lambda: KeyFigure.objects.filter(
            initiative__slug=TESR, value=9, unit="opérations"
        ).exists(),
    ),
    (
        "TESR : 9 chefs de projets",
        lambda: KeyFigure.objects.filter(
            initiative__slug=TESR, value=9, unit="chefs de projets"
        ).exists(),
    ),
    ("TESR : équipe d'animation de 3 personnes", lambda: "animation" in figure(TESR, "3").label),
    (
        "TESR : le mode projet dans la description",
        lambda: "comité de pilotage des directeurs généraux" in ini(TESR).body,
    ),
    (
        "Filière bois : 1 000 emplois dans la région la moins boisée",
        lambda: "moins boisée" in figure("valorisation-de-la-foret-et-filiere-bois", "1000").label,
    ),
    (
        "L'eau dans l'Audomarois : en Audomarois",
        lambda: (
            ini("l-eau-dans-l-audomarois")
            .territories.filter(slug="audomarois", kind="pays")
            .exists()
        ),
    ),
    (
        "Euralens : à Lens (62498)",
        lambda: ini("euralens-et-la-cite-du-louvre").territories.get().code == "62498",
    ),
    (
        "Comité scientifique : Gadrey, Cordonnier, Melin",
        lambda: (
            roles(TESR, "scientific_committee")
            == {"jean-gadrey", "laurent-cordonnier", "helene-melin"}
        ),
    ),
    (
        "Jean-François Caron pilote la TESR comme président de la Commission",
        lambda: Involvement.objects.get(
            initiative__slug=TESR, person__slug="jean-francois-caron", role="pilot"
        ).note.startswith("Président de la Commission Transformation"),
    ),
    (
        "Laurent Bernier, contact, assistant de Jean-François Caron",
        lambda: (
            "laurent-bernier" in roles(TESR, "contact")
            and affiliation("laurent-bernier", "Assistant de Jean-François Caron").organisation.slug
            == CR_NPDC
        ),
    ),
    (
        "Laurent Bernier : coordonnées gardées, jamais publiques",
        lambda: (
            person("laurent-bernier").email == "laurent.bernier@nordpasdecalsais.fr"
            and person("laurent-bernier").public_contact() == {}
        ),
    ),
    (
        "4es assises de la TESR : annoncées pour octobre, sans date, tenue non confirmée",
        lambda: Event.objects.filter(
            title="4es assises de la TESR",
            status="unconfirmed",
            start__isnull=True,
            date_note__contains="octobre",
        ).exists(),
    ),
    (
        "Référentiel d'actions : un référentiel sans date",
        lambda: Document.objects.filter(
            kind="framework",
            title__startswith="Référentiel d'actions",
            publication_date__isnull=True,
        ).exists(),
    ),
    (
        "Grand récit et bilan mi-mandat liés à la TESR",
        lambda: (
            {"Grand récit de la TESR", "Bilan mi-mandat"}
            <= set(ini(TESR).documents.values_list("title", flat=True))
        ),
    ),
    # Seed 003: the Troisième Révolution Industrielle.
    (
        "TRI : initiée par la Région et la CCIR",
        lambda: (
            roles(TRI, "pilot")
            == {CR_NPDC, "chambre-de-commerce-et-d-industrie-de-region-nord-de-france"}
        ),
    ),
    (
        "TRI : Jean-François Caron co-pilote",
        lambda: "jean-francois-caron" in roles(TRI, "co_pilot"),
    ),
    (
        "TRI : Philippe Vasseur co-pilote, président de la CCIR",
        lambda: (
            "philippe-vasseur" in roles(TRI, "co_pilot")
            and affiliation("philippe-vasseur", "Président de la CCIR").organisation.acronym
            == "CCIR"
        ),
    ),
    ("TRI : Jeremy Rifkin expert", lambda: roles(TRI, "expert") == {"jeremy-rifkin"}),
    (
        "Séminaire avec Jeremy Rifkin : tenu, date non précisée",
        lambda: Event.objects.filter(
            initiative__slug=TRI, kind="seminar", status="held", start__isnull=True
        ).exists(),
    ),
    ("TRI : feuille de route", lambda: ini(TRI).documents.filter(kind="roadmap").exists()),
    (
        "Billet de blog de Jean-François Caron",
        lambda: Document.objects.filter(
            kind="article",
            authors="Jean-François Caron",
            title__startswith="Co pilote avec Philippe Vasseur",
        ).exists(),
    ),
    (
        "Jean-François Caron, maire de Loos-en-Gohelle (62528)",
        lambda: (
            affiliation(
                "jean-francois-caron", "Maire de Loos-en-Gohelle"
            ).organisation.territory.code
            == "62528"
        ),
    ),
    # Seed 001: the Picardie circular economy network.
    (
        "Réseau picard : 2015 – 2017, terminé",
        lambda: (
            (iso(ini(PICARDIE).start), iso(ini(PICARDIE).end), ini(PICARDIE).status)
            == ("2015", "2017", "done")
        ),
    ),
    (
        "Réseau picard : site des déchets",
        lambda: ini(PICARDIE).website == "http://www.dechets.picardie.fr",
    ),
    (
        "Réseau picard : métier mise en réseau d'acteurs",
        lambda: ini(PICARDIE).activity_types.filter(slug="mise-en-reseau-d-acteurs").exists(),
    ),
    (
        "Réseau picard : en Hauts-de-France et Picardie, et où ses journées se sont tenues",
        lambda: (
            set(ini(PICARDIE).territories.values_list("slug", flat=True))
            == {"hauts-de-france", "picardie", "amiens", "beauvais", "corbeny"}
        ),
    ),
    (
        "21 mars 2016 : formation-action tenue à Amiens",
        lambda: (
            (
                event_on("2016-03-21").territory.slug,
                event_on("2016-03-21").status,
                event_on("2016-03-21").kind,
            )
            == ("amiens", "held", "training")
        ),
    ),
    ("19 mai 2016 : 2e journée à Amiens", lambda: event_on("2016-05-19").territory.code == "80021"),
    (
        "Les deux plénières de 2016 annulées",
        lambda: (
            list(
                Event.objects.filter(initiative__slug=PICARDIE, kind="plenary").values_list(
                    "status", flat=True
                )
            )
            == ["cancelled", "cancelled"]
        ),
    ),
    (
        "15 novembre 2016 : couches lavables à Corbeny",
        lambda: (
            event_on("2016-11-15").territory.code == "02219"
            and "couches lavables" in event_on("2016-11-15").title
        ),
    ),
    (
        "19 avril 2016 : Auxilia à Beauvais",
        lambda: (
            event_on("2016-04-19").territory.slug == "beauvais"
            and event_on("2016-04-19").organisers.filter(slug="auxilia-conseil").exists()
        ),
    ),
    (
        "2 juin 2016 : seconde journée technique à Amiens",
        lambda: (
            event_on("2016-06-02").kind == "technical_day"
            and event_on("2016-06-02").territory.slug == "amiens"
        ),
    ),
    (
        "Espace Environnement co-anime et organise les formations-actions",
        lambda: (
            "espace-environnement" in roles(PICARDIE, "co_facilitator")
            and org("espace-environnement").organised_events.filter(kind="training").count() == 3
        ),
    ),
    (
        "Auxilia Conseil partenaire et co-animateur",
        lambda: (
            "auxilia-conseil" in (roles(PICARDIE, "partner") & roles(PICARDIE, "co_facilitator"))
        ),
    ),
    (
        "Financeurs : Région Hauts-de-France et ADEME",
        lambda: roles(PICARDIE, "funder") == {CR_HDF, "ademe"},
    ),
    (
        "La Région Picardie a voulu le réseau dès 2014",
        lambda: (
            "conseil-regional-de-picardie" in roles(PICARDIE, "pilot")
            and "2014" in milestone_years(PICARDIE)
        ),
    ),
    ("3 journées de travail spécifique en 2016", lambda: iso(figure(PICARDIE, "3").date) == "2016"),
    (
        "Économie circulaire › prévention des déchets, EIT",
        lambda: (
            set(
                Theme.objects.get(slug="economie-circulaire").children.values_list(
                    "slug", flat=True
                )
            )
            == {"prevention-des-dechets", "ecologie-industrielle-et-territoriale"}
        ),
    ),
    # Seed 000: the EFC, the Club Noé, Eric Kniaz, the region.
    (
        "EFC : depuis 2002, jalons 2002, 2003, 2009, 2012, 2013",
        lambda: (
            iso(ini(EFC).start) == "2002"
            and milestone_years(EFC) == ["2002", "2003", "2009", "2012", "2013"]
        ),
    ),
    (
        "Étude-action 2009",
        lambda: (ini(EFC_STUDY).kind, iso(ini(EFC_STUDY).start)) == ("action_research", "2009"),
    ),
    (
        "Étude-action : 9 entreprises, 4 réseaux",
        lambda: (
            figure(EFC_STUDY, "9").unit == "entreprises"
            and figure(EFC_STUDY, "4").unit == "réseaux"
        ),
    ),
    (
        "Étude-action : le CERDD a rejoint ensuite",
        lambda: (
            "ensuite"
            in Involvement.objects.get(
                initiative__slug=EFC_STUDY, organisation__acronym="CERDD"
            ).note
        ),
    ),
    (
        "2012 : 22 dirigeants de PME, un an",
        lambda: (
            figure(EFC_2012, "22").unit == "dirigeants de PME"
            and (iso(ini(EFC_2012).start), iso(ini(EFC_2012).end)) == ("2012", "2013")
        ),
    ),
    ("Club Noé créé en 2013", lambda: iso(org("club-noe").founded_on) == "2013"),
    (
        "Club Noé : sept membres fondateurs",
        lambda: roles("club-noe", "founder") == CLUB_NOE_FOUNDERS,
    ),
    (
        "Flexink et Gesnord financés",
        lambda: funding_status("flexink") == funding_status("gesnord") == "funded",
    ),
    (
        "Paniers Léa et Terre d'Origine annoncés",
        lambda: funding_status("paniers-lea") == funding_status("terre-d-origine") == "announced",
    ),
    (
        "Sept dossiers de financement à passer",
        lambda: (
            set(
                Funding.objects.filter(status="in_preparation").values_list(
                    "beneficiary__slug", flat=True
                )
            )
            == COMPANIES - {"flexink", "gesnord", "paniers-lea", "terre-d-origine"}
        ),
    ),
    (
        "Les onze bénéficiaires sont des entreprises",
        lambda: (
            set(Organisation.objects.filter(kind="company").values_list("slug", flat=True))
            == COMPANIES
        ),
    ),
    (
        "Eric Kniaz, manager territorial au Conseil régional des Hauts-de-France",
        lambda: affiliation("eric-kniaz", "Manager territorial").organisation.slug == CR_HDF,
    ),
    (
        "Eric Kniaz, chef du Service « Éco-Développement »",
        lambda: (
            "politiques publiques"
            in affiliation("eric-kniaz", "Chef du Service « Éco-Développement »").note
        ),
    ),
    (
        "Eric Kniaz, maître de conférences associé à l'IAE de Lille",
        lambda: (
            affiliation("eric-kniaz", "Maître de conférences associé").organisation.slug
            == "iae-de-lille"
        ),
    ),
    (
        "Eric Kniaz : sept ans d'accompagnement des réseaux d'entreprises",
        lambda: Affiliation.objects.filter(
            person__slug="eric-kniaz", start="1995", end="2002", note__contains="sept"
        ).exists(),
    ),
    (
        "Eric Kniaz rejoint la Direction de l'environnement en 2002",
        lambda: (
            Affiliation.objects.get(
                person__slug="eric-kniaz", organisation__parent__slug=CR_NPDC
            ).start.iso
            == "2002"
        ),
    ),
    (
        "Eric Kniaz, moteur du développement de l'EFC",
        lambda: Involvement.objects.filter(
            initiative__slug=EFC, person__slug="eric-kniaz", note__contains="Moteur"
        ).exists(),
    ),
    (
        "Xavier Bertrand élu le 4 janvier 2016",
        lambda: Affiliation.objects.get(person__slug="xavier-bertrand").start.iso == "2016-01-04",
    ),
    (
        "170 conseillers régionaux des Hauts-de-France",
        lambda: KeyFigure.objects.filter(territory__slug="hauts-de-france", value=170).exists(),
    ),
    (
        "Un littoral de plus de 190 km",
        lambda: (
            KeyFigure.objects.get(
                territory__slug="hauts-de-france", value=190, unit="km"
            ).is_lower_bound
        ),
    ),
    (
        "Première région agricole de France",
        lambda: "première région agricole de France" in place("hauts-de-france").description,
    ),
    # Seed 004: the Bassin Minier.
    (
        "Conférence Permanente lancée par la Région en 1996",
        lambda: iso(ini(CPBM).start) == "1996" and roles(CPBM, "pilot") == {CR_NPDC},
    ),
    (
        "Conférence Permanente : jalons 1996 et 1998",
        lambda: milestone_years(CPBM) == ["1996", "1998"],
    ),
    ("5 ateliers thématiques", lambda: figure(CPBM, "5").unit == "ateliers thématiques"),
    (
        "Atelier « Économie et développement » : résumé = titre de la fiche",
        lambda: (ini(ATELIER).parent.slug, ini(ATELIER).summary) == (CPBM, RECORD_TITLE),
    ),
    ("37 000 entreprises", lambda: figure(ATELIER, "37000").unit == "entreprises"),
    ("340 000 emplois", lambda: figure(ATELIER, "340000").unit == "emplois"),
    (
        "-15 % d'emplois entre 1962 et 1990",
        lambda: (
            (
                figure(ATELIER, "-15").unit,
                iso(figure(ATELIER, "-15").period_start),
                iso(figure(ATELIER, "-15").date),
            )
            == ("%", "1962", "1990")
        ),
    ),
    ("90 000 personnes au chômage", lambda: "chômage" in figure(ATELIER, "90000").label),
    (
        "Trois axes de propositions, jusqu'à la métropole Lille-Roubaix-Tourcoing",
        lambda: all(
            text in ini(ATELIER).objectives
            for text in (
                "### 1.",
                "### 2.",
                "### 3.",
                "boutiques de l’initiative",
                "métropole Lille-Roubaix-Tourcoing",
            )
        ),
    ),
    (
        "Livre Blanc de février 1998, notice verbatim",
        lambda: (
            (
                iso(Document.objects.get(kind="white_paper").publication_date),
                Document.objects.get(kind="white_paper").bibliographic_note,
            )
            == ("1998-02", LIVRE_BLANC_CITATION)
        ),
    ),
    (
        "Fiche de mars 1999 avec ses 12 mots-clés",
        lambda: (
            (
                iso(Document.objects.get(title=RECORD_TITLE).publication_date),
                Document.objects.get(title=RECORD_TITLE).keywords.count(),
            )
            == ("1999-03", 12)
        ),
    ),
    (
        "Libellé portugais « desenvolvimento sustentável »",
        lambda: (
            KeywordLabel.objects.get(
                language="pt", label="desenvolvimento sustentável"
            ).keyword.label
            == "développement durable"
        ),
    ),
    (
        "Libellé portugais « criação de actividades » tel quel",
        lambda: KeywordLabel.objects.filter(language="pt", label="criação de actividades").exists(),
    ),
    (
        "Entre Signes et Cultures n'existe plus, auteur de la fiche",
        lambda: (
            org("entre-signes-et-cultures").is_defunct
            and "entre-signes-et-cultures" in roles(ATELIER, "author")
        ),
    ),
    (
        "Agence Régionale de Développement, partenaire proposé",
        lambda: roles(ATELIER, "stakeholder") == {"agence-regionale-de-developpement"},
    ),
    (
        "Les deux documents liés aux deux initiatives du Bassin Minier",
        lambda: all(
            ini(slug).documents.filter(kind__in=["white_paper", "record"]).count() == 2
            for slug in (CPBM, ATELIER)
        ),
    ),
    # Territories and the merger of the regions.
    (
        "Picardie a pour successeur les Hauts-de-France",
        lambda: (
            list(place("picardie").successors.values_list("slug", flat=True)) == ["hauts-de-france"]
        ),
    ),
    (
        "Nord-Pas-de-Calais a pour successeur les Hauts-de-France",
        lambda: (
            list(place("nord-pas-de-calais").successors.values_list("slug", flat=True))
            == ["hauts-de-france"]
        ),
    ),
    (
        "Hauts-de-France : code 32, depuis le 1er janvier 2016",
        lambda: (
            (place("hauts-de-france").code, iso(place("hauts-de-france").valid_from))
            == ("32", "2016-01-01")
        ),
    ),
    (
        "Anciennes régions jusqu'au 31 décembre 2015",
        lambda: (
            {iso(t.valid_until) for t in Territory.objects.filter(kind="former_region")}
            == {"2015-12-31"}
        ),
    ),
    (
        "La lignée d'Amiens passe par les Hauts-de-France",
        lambda: place("hauts-de-france").pk in place("amiens").lineage,
    ),
    (
        "Une recherche sur les Hauts-de-France trouve ce qui est classé au Bassin Minier",
        lambda: (
            Initiative.objects.in_territory(place("hauts-de-france")).filter(slug=ATELIER).exists()
        ),
    ),
    (
        "Conseil régional Nord-Pas-de-Calais disparu fin 2015",
        lambda: (org(CR_NPDC).is_defunct, iso(org(CR_NPDC).dissolved_on)) == (True, "2015-12"),
    ),
    (
        "Conseil régional des Hauts-de-France créé en janvier 2016",
        lambda: iso(org(CR_HDF).founded_on) == "2016-01",
    ),
    # Publication and sources.
    (
        "Un seul brouillon d'initiative, sous la TESR",
        lambda: (
            list(
                Initiative.objects.filter(publication_state="draft").values_list(
                    "parent__slug", flat=True
                )
            )
            == [TESR]
        ),
    ),
    (
        "Le brouillon n'est pas publié",
        lambda: (
            not Initiative.objects.published().filter(publication_state="draft").exists()
            and Initiative.objects.published().count() == Initiative.objects.count() - 1
        ),
    ),
    (
        "Une seule organisation en brouillon",
        lambda: Organisation.objects.filter(publication_state="draft").count() == 1,
    ),
    (
        "Toutes les initiatives publiées ont une source",
        lambda: all(
            has_source(Initiative, pk)
            for pk in Initiative.objects.published().values_list("pk", flat=True)
        ),
    ),
    (
        "Jamais le texte « En cours de rédaction »",
        lambda: (
            not Initiative.objects.filter(body__icontains="en cours de rédaction").exists()
            and not Initiative.objects.filter(
                objectives__icontains="en cours de rédaction"
            ).exists()
        ),
    ),
    (
        "Personne n'a consenti à publier ses coordonnées",
        lambda: not Person.objects.filter(contact_consent=True).exists(),
    ),
]


def test_every_seed_fact_is_in_the_demo_data():
    assert len(FACTS) >= 45
    failures = []
    for description, check in FACTS:
        try:
            if not check():
                failures.append(description)
        except Exception as error:  # a missing row is a failed fact too
            failures.append(f"{description} ({type(error).__name__}: {error})")
    assert failures == []


def snapshot():
    """Every row of the registry's models (history included), serialized."""
    models = [
        model
        for app in ("initiatives", "actors")
        for model in apps.get_app_config(app).get_models()
    ]
    return {
        model._meta.label: serializers.serialize("json", model.objects.order_by("pk"))
        for model in models
    }


def test_loading_twice_changes_nothing():
    before = snapshot()
    call_command("load_demo", verbosity=0)
    after = snapshot()
    assert {label: len(json.loads(rows)) for label, rows in before.items()} == {
        label: len(json.loads(rows)) for label, rows in after.items()
    }
    assert before == after


@pytest.mark.parametrize("model", [Territory, Theme, Initiative])
def test_every_lineage_is_the_parent_lineage_and_the_node(model):
    nodes = {node.pk: node for node in model.objects.all()}
    assert nodes
    for node in nodes.values():
        expected = (nodes[node.parent_id].lineage if node.parent_id else []) + [node.pk]
        assert node.lineage == expected, node


def test_parents_come_before_children_in_the_fixtures():
    for model in (Territory, Theme, Initiative):
        for node in model.objects.exclude(parent=None):
            assert node.parent_id < node.pk, node


def test_check_data_finds_nothing_in_the_demo_data(capsys):
    call_command("check_data")
    assert "aucune incohérence" in capsys.readouterr().out
