"""French vocabularies of the demo-data generator (bench/generate.py): declarative data.

Word lists, phrase patterns with their placeholders, weighted choices and the plans of the
five departments, from which bench/demo/generators.py draws names, texts and rows. This module
is long because it is a dictionary, not logic: the only code here is the two small types the
data is written in (Weighted, DepartmentPlan).
"""

from dataclasses import dataclass
from datetime import date

# Dates are drawn around the current year, so that some events are still to come.
CURRENT_YEAR = date.today().year
FIRST_YEAR = 1996


class Weighted:
    """Draws from weighted choices with one random() and one index: rng.choices() is ten
    times slower, and the generator draws tens of millions of times for a million initiatives."""

    def __init__(self, pairs, resolution=1000):
        total = sum(weight for _, weight in pairs)
        self.table = []
        for value, weight in pairs:
            self.table += [value] * round(resolution * weight / total)
        self.size = len(self.table)

    def __call__(self, random):
        return self.table[int(random() * self.size)]


VOWELS = tuple("AEIOUYÉÈÊÂÎaeiouyéèêâî")


# Publication --------------------------------------------------------------------------------

# About 10 % of the records are not public: drafts, records waiting for review, archives.
PUBLICATION = Weighted(
    [("published", 90), ("draft", 5), ("review", 3), ("archived", 2)],
)


# Territories --------------------------------------------------------------------------------


@dataclass
class DepartmentPlan:
    slug: str
    code: str
    article_name: str  # "le Nord", "la Somme": the phrases below are built from it
    intercommunalities: int
    communes: int
    box: tuple  # (south, north, west, east)
    rivers: list
    pays: list
    endings: list


NORTHERN_ENDINGS = ["ghem", "hem", "becque", "zeele", "kerque", "inghem", "ecques", "bert"]
PICARD_ENDINGS = ["court", "ville", "mont", "ancourt", "icourt", "eux", "ières", "y", "val"]

DEPARTMENTS = [
    DepartmentPlan(
        "nord",
        "59",
        "le Nord",
        17,
        642,
        (50.05, 51.08, 2.35, 4.22),
        ["Escaut", "Sambre", "Lys", "Scarpe", "Selle", "Helpe", "Marque", "Yser"],
        ["la Flandre intérieure", "le Hainaut", "la Pévèle", "l'Avesnois", "le Cambrésis"]
        + ["l'Ostrevent", "le Mélantois", "les Weppes", "le Pays de Mormal", "le Caudrésis"],
        NORTHERN_ENDINGS + ["ies", "in", "court"],
    ),
    DepartmentPlan(
        "pas-de-calais",
        "62",
        "le Pas-de-Calais",
        19,
        884,
        (50.02, 50.98, 1.62, 3.15),
        ["Authie", "Canche", "Ternoise", "Lys", "Aa", "Liane", "Scarpe", "Hem"],
        ["l'Artois", "le Ternois", "le Boulonnais", "le Montreuillois", "le Calaisis"]
        + ["la Gohelle", "le Pays des Sept Vallées", "le Haut-Pays", "le Pays de Lumbres"]
        + ["le Pays d'Opale", "l'Arrageois"],
        NORTHERN_ENDINGS + PICARD_ENDINGS[:4],
    ),
    DepartmentPlan(
        "somme",
        "80",
        "la Somme",
        15,
        770,
        (49.58, 50.36, 1.40, 3.18),
        ["Somme", "Avre", "Authie", "Bresle", "Ancre", "Noye", "Selle", "Nièvre"],
        ["le Santerre", "le Ponthieu", "le Vimeu", "l'Amiénois", "le Marquenterre"]
        + ["le Val de Somme", "le Pays du Coquelicot", "la Haute-Somme", "le Pays de Bray"],
        PICARD_ENDINGS,
    ),
    DepartmentPlan(
        "aisne",
        "02",
        "l'Aisne",
        19,
        798,
        (49.02, 49.98, 3.02, 4.25),
        ["Aisne", "Oise", "Serre", "Vesle", "Ailette", "Marne", "Ourcq", "Thon"],
        ["la Thiérache", "le Laonnois", "le Soissonnais", "le Tardenois", "le Saint-Quentinois"]
        + ["le Chaunois", "la Champagne picarde", "le Pays de la Serre", "le Vermandois"]
        + ["le Chemin des Dames", "l'Omois"],
        PICARD_ENDINGS + ["igny", "ois"],
    ),
    DepartmentPlan(
        "oise",
        "60",
        "l'Oise",
        20,
        678,
        (49.10, 49.75, 1.70, 3.15),
        ["Oise", "Thérain", "Brêche", "Aronde", "Epte", "Nonette", "Automne", "Esches"],
        ["le Valois", "le Vexin", "le Beauvaisis", "le Noyonnais", "le Clermontois"]
        + ["le Pays de Bray", "le Plateau picard", "le Pays de Thelle", "le Liancourtois"]
        + ["la Picardie verte", "le Compiégnois", "le Pays des Sources"],
        PICARD_ENDINGS + ["ois", "eil"],
    ),
]

SAINTS = [
    "Saint-Martin",
    "Saint-Léger",
    "Saint-Pierre",
    "Saint-Rémy",
    "Saint-Aubin",
    "Saint-Amand",
    "Saint-Riquier",
    "Saint-Maurice",
    "Saint-Germain",
    "Saint-Hilaire",
    "Saint-Sauveur",
    "Saint-Vaast",
    "Saint-Josse",
    "Saint-Venant",
    "Saint-Georges",
    "Saint-Médard",
    "Saint-Éloi",
    "Saint-Nicolas",
    "Saint-Firmin",
    "Saint-Sulpice",
    "Sainte-Marie",
    "Sainte-Catherine",
    "Sainte-Geneviève",
    "Sainte-Austreberthe",
]
BASES = [
    "Villers",
    "Neuville",
    "Fontaine",
    "Beaumont",
    "Mesnil",
    "Courcelles",
    "Vaux",
    "Fresnoy",
    "Fresnes",
    "Marcq",
    "Haucourt",
    "Bailleul",
    "Estrées",
    "Aubigny",
    "Ailly",
    "Cerisy",
    "Crécy",
    "Morcourt",
    "Mont",
    "Bois",
    "Hénin",
    "Beaurains",
    "Bray",
    "Moyenneville",
    "Hardivillers",
    "Quesnoy",
    "Auchy",
    "Bucquoy",
    "Rumigny",
    "Vermand",
]
WITH_ARTICLE = ["La Chapelle", "La Neuville", "Le Plessier", "Le Quesnel", "La Capelle"] + [
    "Le Mesnil",
    "Les Ageux",
    "La Houssoye",
    "Le Translay",
    "La Vacquerie",
]
SYLLABLES = ["Ab", "Ar", "Beau", "Ber", "Bou", "Cam", "Char", "Cour", "Dom", "Éper", "Fon"] + [
    "Gou",
    "Ha",
    "Her",
    "Hon",
    "La",
    "Mar",
    "Mon",
    "Ner",
    "Quer",
    "Ro",
    "Sau",
    "Ta",
    "Ver",
    "Wam",
    "Zu",
    "Bel",
    "Gri",
    "Ha",
    "Li",
    "Ou",
    "Pro",
    "Vil",
    "Wa",
]
MIDDLES = ["", "", "be", "ci", "de", "li", "ma", "ne", "ri", "va", "bri", "lan"]
QUALIFIERS = ["-le-Bois", "-le-Sec", "-le-Vert", "-le-Grand", "-le-Petit", "-le-Château"] + [
    "-le-Comte",
    "-l'Abbé",
    "-aux-Bois",
    "-au-Bois",
    "-la-Forêt",
    "-la-Rivière",
    "-Saint-Pierre",
    "-Notre-Dame",
    "-aux-Champs",
    "-en-Plaine",
]


# Themes -------------------------------------------------------------------------------------

# Sub-themes added under the seed themes (slug of the parent, name, slug).
SUB_THEMES = [
    ("alimentation", "Circuits courts", "circuits-courts"),
    ("alimentation", "Restauration collective", "restauration-collective"),
    ("energie", "Rénovation énergétique", "renovation-energetique"),
    ("energie", "Énergies renouvelables", "energies-renouvelables"),
    ("economie-circulaire", "Réemploi et réparation", "reemploi-et-reparation"),
    ("transports", "Mobilités actives", "mobilites-actives"),
    ("transports", "Covoiturage et autopartage", "covoiturage-et-autopartage"),
    ("emploi-et-insertion", "Insertion par l'activité économique", "insertion-par-l-activite"),
    ("eau", "Milieux aquatiques", "milieux-aquatiques"),
    ("developpement-territorial", "Tiers-lieux", "tiers-lieux"),
    ("culture", "Patrimoine", "patrimoine"),
    ("gouvernance-et-participation", "Budgets participatifs", "budgets-participatifs"),
]

# What an initiative filed under the theme is about, as a noun phrase with its article.
DOMAINS = {
    "economie-circulaire": ["l'économie circulaire", "le recyclage des matériaux"]
    + ["les boucles locales de matières", "l'économie des ressources"],
    "prevention-des-dechets": ["la prévention des déchets", "la réduction des déchets ménagers"]
    + ["le compostage de proximité", "le tri à la source des biodéchets"],
    "ecologie-industrielle-et-territoriale": ["l'écologie industrielle et territoriale"]
    + ["les synergies inter-entreprises", "la mutualisation des flux industriels"],
    "nouveaux-modeles-economiques": ["les nouveaux modèles économiques"]
    + ["l'économie de l'usage", "l'économie collaborative"],
    "economie-de-la-fonctionnalite-et-de-la-cooperation": [
        "l'économie de la fonctionnalité et de la coopération",
        "la vente de l'usage plutôt que du bien",
    ],
    "developpement-durable": ["le développement durable", "la transition écologique"]
    + ["les objectifs de développement durable"],
    "developpement-territorial": ["le développement territorial", "l'attractivité du territoire"]
    + ["la revitalisation des centres-bourgs", "la coopération entre territoires"],
    "alimentation": ["l'alimentation durable", "les circuits courts alimentaires"]
    + ["l'approvisionnement local des cantines", "l'agriculture biologique"],
    "foret-et-filiere-bois": ["la filière bois", "la gestion durable des forêts"]
    + ["le bois-énergie", "la construction en bois local"],
    "energie": ["la transition énergétique", "la sobriété énergétique"]
    + ["la rénovation énergétique des logements", "les économies d'énergie"],
    "eau": ["la gestion de l'eau", "la protection de la ressource en eau"]
    + ["la restauration des zones humides"],
    "sante": ["la santé environnementale", "l'accès aux soins", "la prévention santé"]
    + ["la qualité de l'air intérieur"],
    "logement": ["l'habitat", "la lutte contre l'habitat indigne", "l'habitat participatif"]
    + ["le logement des jeunes"],
    "education": ["l'éducation à l'environnement", "la réussite éducative"]
    + ["l'éducation populaire"],
    "emploi-et-insertion": ["l'emploi local", "le retour à l'emploi des chômeurs de longue durée"]
    + ["la formation des demandeurs d'emploi"],
    "entreprises-et-creation-d-activites": ["la création d'activités", "l'entrepreneuriat"]
    + ["la reprise d'entreprises", "le commerce de proximité"],
    "culture": ["la culture", "la lecture publique", "les pratiques artistiques"]
    + ["l'éducation artistique et culturelle"],
    "industrie": ["l'industrie", "la décarbonation de l'industrie"]
    + ["les compétences industrielles", "l'industrie du futur"],
    "gouvernance-et-participation": ["la participation citoyenne", "la démocratie locale"]
    + ["la gouvernance partagée"],
    "climat": ["l'adaptation au changement climatique", "le climat"]
    + ["la réduction des émissions de gaz à effet de serre"],
    "innovation": ["l'innovation sociale", "l'innovation territoriale", "le numérique responsable"],
    "transports": ["les mobilités durables", "la logistique urbaine", "les transports solidaires"],
    "circuits-courts": ["les circuits courts", "la vente directe à la ferme"],
    "restauration-collective": ["la restauration collective", "les cantines scolaires"],
    "renovation-energetique": ["la rénovation énergétique", "la rénovation des bâtiments publics"],
    "energies-renouvelables": ["les énergies renouvelables", "le photovoltaïque citoyen"]
    + ["la méthanisation agricole"],
    "reemploi-et-reparation": ["le réemploi", "la réparation", "les ressourceries"],
    "mobilites-actives": ["les mobilités actives", "le vélo au quotidien"],
    "covoiturage-et-autopartage": ["le covoiturage", "l'autopartage"],
    "insertion-par-l-activite": ["l'insertion par l'activité économique"]
    + ["les chantiers d'insertion"],
    "milieux-aquatiques": ["les milieux aquatiques", "la restauration des cours d'eau"],
    "tiers-lieux": ["les tiers-lieux", "les espaces de travail partagés"],
    "patrimoine": ["le patrimoine", "le patrimoine industriel", "le patrimoine minier"],
    "budgets-participatifs": ["les budgets participatifs"],
}
GENERAL_DOMAINS = ["le développement local", "la transition écologique", "l'économie sociale"]

# Titles that need no domain, by theme, with their usual acronym.
NAMED_SCHEMES = {
    "alimentation": [("Projet alimentaire territorial", "PAT"), ("Légumerie solidaire", "")]
    + [("Plan alimentaire territorial", "PAT"), ("Marché de producteurs locaux", "")],
    "energie": [("Plateforme territoriale de la rénovation énergétique", "PTRE")]
    + [("Centrale villageoise", ""), ("Parc éolien citoyen", "")],
    "climat": [("Plan climat-air-énergie territorial", "PCAET")],
    "prevention-des-dechets": [
        ("Programme local de prévention des déchets ménagers et assimilés", "PLPDMA"),
        ("Défi Familles zéro déchet", ""),
    ],
    "economie-circulaire": [("Ressourcerie", ""), ("Recyclerie", ""), ("Matériauthèque", "")],
    "reemploi-et-reparation": [("Repair café", ""), ("Atelier vélo solidaire", "")],
    "emploi-et-insertion": [("Territoire zéro chômeur de longue durée", "TZCLD")]
    + [("Plan local pour l'insertion et l'emploi", "PLIE")],
    "insertion-par-l-activite": [("Chantier d'insertion", "")],
    "sante": [("Contrat local de santé", "CLS"), ("Maison de santé pluriprofessionnelle", "MSP")],
    "developpement-territorial": [("Opération de revitalisation du territoire", "ORT")]
    + [("Petites villes de demain", ""), ("Schéma de cohérence territoriale", "SCoT")],
    "transports": [("Plan de mobilité simplifié", ""), ("Pôle d'échanges multimodal", "PEM")],
    "mobilites-actives": [("Schéma directeur cyclable", ""), ("Vélo-école", "")],
    "culture": [("Contrat territoire lecture", "CTL"), ("Résidence d'artistes", "")],
    "eau": [("Schéma d'aménagement et de gestion des eaux", "SAGE")]
    + [("Programme d'actions de prévention des inondations", "PAPI")],
    "industrie": [("Territoire d'industrie", "")],
    "budgets-participatifs": [("Budget participatif", "")],
    "gouvernance-et-participation": [("Conseil citoyen", ""), ("Assemblée citoyenne", "")],
    "education": [("Projet éducatif de territoire", "PEDT"), ("Cité éducative", "")],
    "logement": [("Programme local de l'habitat", "PLH")]
    + [("Opération programmée d'amélioration de l'habitat", "OPAH")],
    "foret-et-filiere-bois": [("Charte forestière de territoire", "CFT")],
    "innovation": [("Fabrique numérique de territoire", ""), ("Fab lab", "")],
    "tiers-lieux": [("Tiers-lieu", ""), ("Café associatif", "")],
}

HEADS = [
    "Réseau d'acteurs {de}",
    "Plateforme territoriale {de}",
    "Programme d'actions en faveur {de}",
    "Démarche collective pour {x}",
    "Stratégie locale {de}",
    "Feuille de route {de}",
    "Observatoire {de}",
    "Club d'entreprises pour {x}",
    "Laboratoire citoyen {de}",
    "Appel à projets pour {x}",
    "Étude-action sur {x}",
    "Accompagnement des communes pour {x}",
    "Assises territoriales {de}",
    "Pôle de compétences {de}",
    "Charte d'engagement pour {x}",
    "Groupement d'achats pour {x}",
    "Défi collectif pour {x}",
    "Coopérative d'acteurs {de}",
    "Mission d'animation {de}",
    "Ateliers participatifs sur {x}",
    "Expérimentation locale {de}",
    "Diagnostic partagé {de}",
    "Fonds local pour {x}",
    "Parcours d'accompagnement pour {x}",
]

PROGRAMME_HEADS = [
    "Programme territorial {de}",
    "Plan d'actions {de}",
    "Programme en faveur {de}",
    "Contrat de territoire pour {x}",
    "Stratégie intercommunale {de}",
    "Dispositif de soutien pour {x}",
]

SUMMARY_OPENINGS = [
    "Lancée en {year}, cette démarche réunit collectivités, entreprises et associations "
    "{within} autour {de}.",
    "Porté par {carrier}, le projet vise à développer {x} {within}.",
    "L'objectif est de structurer une filière locale autour {de} {within}.",
    "Depuis {year}, {carrier} anime un réseau d'une {about} de structures engagées pour {x}.",
    "Cette initiative accompagne les acteurs {of} qui veulent s'engager dans {x}.",
    "Née d'un diagnostic partagé en {year}, la démarche fait {de} une priorité {within}.",
    "Le programme soutient les projets {de} portés par les habitants et les élus {of}.",
    "Imaginé par {carrier}, ce dispositif met {x} au cœur du projet de territoire {of}.",
    "Une {about} de partenaires {of} coopèrent depuis {year} pour faire avancer {x}.",
]
SUMMARY_FOLLOW_UPS = [
    "Elle s'appuie sur des ateliers réguliers, des visites de sites et un accompagnement "
    "individuel.",
    "Une première évaluation a montré des résultats encourageants.",
    "Les habitants sont associés à chaque étape, du diagnostic à la mise en œuvre.",
    "Le financement est assuré par la Région et les collectivités partenaires.",
    "Plus de {count} personnes ont déjà pris part aux actions.",
    "La démarche est aujourd'hui essaimée dans d'autres territoires de la région.",
    "Un comité de pilotage se réunit deux fois par an pour en suivre l'avancement.",
    "Les premiers résultats seront présentés lors d'une restitution publique.",
]
CARRIERS = ["la commune", "l'intercommunalité", "un collectif d'habitants", "le centre social"] + [
    "une association locale",
    "le syndicat mixte",
    "la chambre d'agriculture",
    "un groupement d'entreprises",
    "le conseil départemental",
    "la Région",
    "un groupe d'agriculteurs",
    "la maison de l'emploi",
]
ABOUT = ["dizaine", "quinzaine", "vingtaine", "trentaine", "cinquantaine", "centaine"]

BODY_SENTENCES = [
    [  # context
        "Le territoire compte de nombreuses petites communes rurales et un tissu dense de TPE.",
        "Le diagnostic réalisé en {year} a mis en évidence des besoins mal couverts.",
        "Les élus ont souhaité faire {de} un axe fort du mandat.",
        "Plusieurs structures agissaient déjà {within}, sans toujours se connaître.",
        "La fermeture d'un site industriel a conduit à repenser le développement local.",
        "Le projet s'inscrit dans la continuité des actions menées depuis {year}.",
        "Les habitants exprimaient depuis longtemps le besoin d'agir pour {x}.",
    ],
    [  # method
        "Un chargé de mission anime la démarche et assure le lien entre les partenaires.",
        "Des ateliers thématiques réunissent chaque trimestre une vingtaine de participants.",
        "Les entreprises volontaires bénéficient d'un accompagnement individuel de six mois.",
        "Une convention de partenariat précise le rôle de chacun et les moyens engagés.",
        "Des visites de terrain permettent de s'inspirer d'expériences menées ailleurs.",
        "Les habitants ont été consultés lors de réunions publiques et d'un questionnaire.",
        "Un appel à manifestation d'intérêt a permis d'identifier les premiers porteurs.",
        "La méthode associe formation, mise en réseau et expérimentation sur le terrain.",
    ],
    [  # results
        "Les premiers résultats sont encourageants : {count} personnes ont déjà participé.",
        "Plusieurs emplois ont été créés, dont certains en insertion.",
        "Le bilan fait apparaître une forte mobilisation des acteurs locaux.",
        "Des outils communs ont été produits : guide pratique, annuaire, fiches d'expérience.",
        "La démarche a été distinguée lors des trophées régionaux du développement durable.",
        "Les volumes traités ont nettement progressé depuis le lancement.",
    ],
    [  # outlook
        "La prochaine étape consiste à pérenniser le financement de l'animation.",
        "Les partenaires souhaitent étendre l'action aux communes voisines.",
        "Une évaluation indépendante est prévue à l'issue de la phase d'expérimentation.",
        "Le réseau reste ouvert à toute structure qui partage ses objectifs.",
        "L'enjeu est désormais de passer de l'expérimentation à une offre durable.",
    ],
]
OBJECTIVES = [
    "Réduire de {percent} % les déchets résiduels d'ici {later}",
    "Mobiliser {count} entreprises du territoire",
    "Créer des emplois locaux non délocalisables",
    "Sensibiliser les habitants et les élus",
    "Mutualiser les équipements entre structures",
    "Former les agents des collectivités",
    "Favoriser la coopération entre acteurs publics et privés",
    "Développer l'approvisionnement local",
    "Capitaliser et diffuser les retours d'expérience",
    "Accompagner {count} porteurs de projets par an",
    "Réduire la consommation d'énergie des bâtiments publics",
    "Associer les habitants aux décisions",
]

INITIATIVE_KINDS = Weighted(
    [
        ("project", 35),
        ("operation", 15),
        ("network", 12),
        ("action_research", 10),
        ("support", 18),
        ("conference", 10),
    ]
)
INITIATIVE_STATUSES = Weighted(
    [("ongoing", 45), ("done", 22), ("planned", 10), ("dormant", 12), ("abandoned", 8)]
)


# Actors -------------------------------------------------------------------------------------

FIRST_NAMES = [
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Sophie",
    "Émilie",
    "Camille",
    "Julie",
    "Claire",
    "Aurélie",
    "Céline",
    "Hélène",
    "Élodie",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Anne",
    "Valérie",
    "Jean",
    "Pierre",
    "Philippe",
    "Michel",
    "Alain",
    "Éric",
    "Nicolas",
    "Julien",
    "Sébastien",
    "Thomas",
    "François",
    "Laurent",
    "Olivier",
    "Benoît",
    "Jérôme",
    "Mathieu",
    "Hugo",
    "Théo",
    "Karim",
    "Mehdi",
]
LAST_NAMES = [
    "Lefebvre",
    "Dupont",
    "Leroy",
    "Lemaire",
    "Delattre",
    "Vandenbussche",
    "Deschamps",
    "Dubois",
    "Martin",
    "Bernard",
    "Petit",
    "Durand",
    "Leclercq",
    "Duhamel",
    "Caron",
    "Lefèvre",
    "Carpentier",
    "Fontaine",
    "Delannoy",
    "Vasseur",
    "Dumont",
    "Lecomte",
    "Delcourt",
    "Lemoine",
    "Boulanger",
    "Desmet",
    "Van de Velde",
    "Wattez",
    "Lesage",
    "Poulain",
    "Hennebert",
    "Delplanque",
    "Bécourt",
    "Flament",
    "Debruyne",
    "Roussel",
    "Masson",
    "Dewailly",
    "Cuvelier",
    "Lheureux",
    "Mercier",
    "Benali",
    "Haddad",
    "Nowak",
    "Kowalski",
    "Da Silva",
    "Ferreira",
    "Marchand",
    "Hochart",
    "Queval",
]
JOBS = [
    ("Chargée de mission", "Chargé de mission"),
    ("Directrice", "Directeur"),
    ("Animatrice de réseau", "Animateur de réseau"),
    ("Cheffe de projet", "Chef de projet"),
    ("Conseillère", "Conseiller"),
    ("Élue déléguée", "Élu délégué"),
    ("Chercheuse", "Chercheur"),
    ("Consultante", "Consultant"),
    ("Coordinatrice", "Coordinateur"),
    ("Présidente", "Président"),
]
WORKPLACES = [
    "dans une collectivité",
    "au sein d'une association d'insertion",
    "dans une agence d'urbanisme",
    "dans un bureau d'études",
    "à la chambre de commerce et d'industrie",
    "dans un laboratoire universitaire",
    "dans une entreprise de l'économie sociale et solidaire",
    "au conseil départemental",
]

ORGANISATION_KINDS = Weighted(
    [
        ("public_body", 22),
        ("agency", 6),
        ("chamber", 3),
        ("association", 34),
        ("network", 8),
        ("company", 17),
        ("research", 4),
        ("consultancy", 6),
    ]
)
ASSOCIATIONS = [
    "Association pour le développement de l'agriculture biologique",
    "Épicerie solidaire",
    "Jardin de cocagne",
    "Centre social",
    "Maison des associations",
    "Régie de quartier",
    "Association intermédiaire",
    "Atelier vélo participatif",
    "Ressourcerie",
    "Foyer rural",
    "Les Jardins partagés",
    "Collectif citoyen pour le climat",
    "Association de sauvegarde du patrimoine",
    "Compagnie de théâtre",
    "Amicale des producteurs",
]
NETWORKS = ["Réseau des acteurs", "Club des entreprises", "Collectif régional", "Fédération"]
COMPANY_TRADES = ["Menuiserie", "Transports", "Biscuiterie", "Brasserie", "Imprimerie"] + [
    "Maraîchage",
    "Boulangerie",
    "Métallerie",
    "Textiles",
    "Énergies",
    "Recyclage",
]
UNIVERSITIES = [
    "Université de Lille",
    "Université de Picardie Jules-Verne",
    "Université d'Artois",
    "Université du Littoral Côte d'Opale",
    "Université polytechnique Hauts-de-France",
]
LABORATORIES = ["Laboratoire d'économie", "Institut de recherche", "Centre d'études"] + [
    "Laboratoire de géographie",
    "Équipe de sociologie",
]
ORGANISATION_DESCRIPTIONS = [
    "Structure engagée depuis {year} dans {x} {within}.",
    "Elle accompagne collectivités, entreprises et habitants {of}.",
    "Elle emploie une {about} de salariés et s'appuie sur de nombreux bénévoles.",
    "Acteur reconnu {of}, elle intervient en conseil, en formation et en animation de réseaux.",
    "Ses activités couvrent {x} et la sensibilisation du grand public.",
]


# Involvements, milestones, events, figures --------------------------------------------------

# The first involvement of an initiative is its pilot; the others spread like the seed data.
OTHER_ROLES = Weighted(
    [
        ("partner", 30),
        ("funder", 14),
        ("co_pilot", 7),
        ("member", 10),
        ("stakeholder", 8),
        ("co_facilitator", 6),
        ("founder", 5),
        ("expert", 6),
        ("scientific_committee", 3),
        ("author", 5),
        ("contact", 6),
    ]
)
INVOLVEMENT_COUNTS = Weighted([(1, 10), (2, 25), (3, 30), (4, 20), (5, 15)])
PERSON_ROLES = {"contact", "author", "expert", "scientific_committee", "co_facilitator"}
INVOLVEMENT_NOTES = [
    "via l'appel à projets régional",
    "pour la phase d'expérimentation",
    "mise à disposition d'un chargé de mission",
    "apport en nature (locaux, matériel)",
    "dans le cadre du contrat de territoire",
]

MILESTONE_COUNTS = Weighted([(0, 30), (1, 45), (2, 20), (3, 5)])
MILESTONES = [
    ("Lancement de la démarche", "Réunion de lancement avec l'ensemble des partenaires."),
    ("Signature de la convention de partenariat", "Les partenaires s'engagent pour trois ans."),
    ("Premier comité de pilotage", ""),
    ("Publication du diagnostic territorial", "Le diagnostic est présenté aux élus."),
    ("Lauréat de l'appel à projets régional", "Le projet obtient un soutien financier."),
    ("Recrutement d'un chargé de mission", ""),
    ("Fin de la phase d'expérimentation", "Un premier bilan est dressé avec les participants."),
    ("Restitution publique de l'étude", "Une centaine de personnes assistent à la restitution."),
    ("Élargissement du réseau", "De nouvelles structures rejoignent la démarche."),
    ("Inauguration des locaux", ""),
    ("Adoption du plan d'actions", "Le plan d'actions est voté en conseil communautaire."),
    ("Publication du guide pratique", "Le guide rassemble les retours d'expérience."),
]

EVENT_COUNTS = Weighted([(0, 60), (1, 30), (2, 10)])
EVENT_KINDS = Weighted(
    [
        ("plenary", 12),
        ("workshop", 30),
        ("working_day", 12),
        ("training", 10),
        ("technical_day", 12),
        ("seminar", 10),
        ("conference", 9),
        ("election", 5),
    ]
)
EVENT_TOPICS = ["diagnostic des flux", "réemploi des matériaux", "mobiliser les entreprises"] + [
    "financer son projet",
    "construire un partenariat",
    "évaluer l'impact",
    "achats responsables",
    "communiquer auprès des habitants",
    "gouvernance du projet",
    "retours d'expérience",
]
EVENT_TITLES = {
    "plenary": ["Réunion plénière du réseau", "Réunion plénière des partenaires"],
    "workshop": ["Atelier « {topic} »", "Atelier participatif : {topic}"],
    "working_day": ["Journée de travail sur {x}", "Journée d'échanges : {topic}"],
    "training": ["Formation-action « {topic} »"],
    "technical_day": ["Journée technique : {topic}", "Visite technique et {topic}"],
    "seminar": ["Séminaire de lancement", "Séminaire annuel", "Séminaire de restitution"],
    "conference": ["Assises territoriales {de}", "Conférence sur {x}"],
    "election": ["Assemblée générale et élection du bureau", "Installation du comité de pilotage"],
}
VENUES = ["Salle des fêtes", "Mairie", "Médiathèque", "Maison des associations", "Lycée agricole"]
VENUES += ["Salle polyvalente", "Tiers-lieu", "Siège de l'intercommunalité", "Ferme pédagogique"]
EVENT_DESCRIPTIONS = {
    "planned": [
        "Ouvert à tous les partenaires, sur inscription.",
        "Une trentaine de participants sont attendus.",
        "Au programme : témoignages, ateliers en petits groupes et visite de site.",
        "Rencontre réservée aux membres du réseau.",
    ],
    "held": [
        "Une trentaine de participants ont pris part aux échanges.",
        "Témoignages, ateliers en petits groupes et visite de site.",
        "Présentation des résultats et discussion des suites à donner.",
        "Rencontre réservée aux membres du réseau.",
    ],
    "cancelled": [
        "Annulé faute d'un nombre suffisant d'inscrits.",
        "Reporté à une date ultérieure, puis annulé.",
        "Annulé après le retrait d'un partenaire.",
    ],
}

FIGURE_COUNTS = Weighted([(0, 75), (1, 20), (2, 5)])
# (label, unit, low, high, decimals)
FIGURES = [
    ("emplois créés", "emplois", 1, 80, 0),
    ("tonnes de déchets évitées par an", "t", 5, 5000, 0),
    ("structures membres du réseau", "structures", 5, 200, 0),
    ("participants aux ateliers", "participants", 20, 1500, 0),
    ("budget total de l'opération", "€", 5000, 2_000_000, 0),
    ("logements rénovés", "logements", 5, 600, 0),
    ("hectares concernés", "ha", 1, 3000, 1),
    ("kilomètres d'itinéraires cyclables", "km", 1, 120, 1),
    ("part de produits locaux en restauration collective", "%", 5, 60, 1),
    ("bénévoles mobilisés", "bénévoles", 5, 300, 0),
]
