"""The catalogue of the open data in DCAT (the W3C vocabulary that national open-data portals
harvest, as profiled by DCAT-AP), written as JSON-LD by hand: one dataset per kind of public
record, each with its distributions (the exports, the API, the dated archive), its licence,
publisher, contact point and last change read from the data.

IRIs rather than strings wherever DCAT-AP asks for them: formats from the EU file-type
vocabulary, media types from IANA's registry, the licence by its address. The tests parse the
document with rdflib and check its triples.
"""

from django.conf import settings
from django.db.models import Max
from django.http import JsonResponse
from django.urls import reverse

from actors.models import Organisation, Person
from initiatives.models import Document, Event, Initiative
from portal.opendata import exports
from portal.opendata.access import open_data
from portal.opendata.api.core import NO_PARAMETERS

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
FRENCH = "http://publications.europa.eu/resource/authority/language/FRA"
CONTINUOUS = "http://publications.europa.eu/resource/authority/frequency/UPDATE_CONT"
MEDIA_TYPE_JSON = "application/json"

# The exports of the initiative index: (key, title, file type, media type, query string).
EXPORTS = [
    ("csv", "CSV (séparateur « , »)", "CSV", "text/csv", ""),
    ("csv", "CSV (séparateur « ; », tableurs en français)", "CSV", "text/csv", "?sep=%3B"),
    ("xlsx", "Classeur XLSX", "XLSX", exports.FORMATS["xlsx"], ""),
    ("json", "JSON", "JSON", MEDIA_TYPE_JSON, ""),
    ("geojson", "GeoJSON (carte)", "GEOJSON", exports.FORMATS["geojson"], ""),
]

# (identifier, title, description, keywords, public page, API list, queryset of the records
# whose last change dates the dataset, field holding that change).
DATASETS = [
    (
        "initiatives",
        "Initiatives de développement régional",
        "Les initiatives publiées du registre (programmes, projets, dispositifs) : titre, type, "
        "statut, dates, thématiques, territoires, résumé, adresse de la fiche.",
        ["développement régional", "initiatives", "Hauts-de-France"],
        "initiative_index",
        "api_initiatives",
        lambda: Initiative.objects.published(),
        "updated_at",
    ),
    (
        "organisations",
        "Organisations",
        "Les organisations publiées qui portent, financent ou accompagnent les initiatives.",
        ["organisations", "acteurs"],
        "actors:index",
        "api_organisations",
        lambda: Organisation.objects.published(),
        "updated_at",
    ),
    (
        "personnes",
        "Personnes",
        "Les personnes dont la fiche est publique ; leurs coordonnées seulement si elles ont "
        "consenti à leur publication.",
        ["personnes", "acteurs"],
        "actors:index",
        "api_persons",
        lambda: Person.objects.published(),
        "updated_at",
    ),
    (
        "documents",
        "Documents",
        "Les documents publiés (rapports, études, délibérations) cités par les initiatives.",
        ["documents", "bibliographie"],
        "initiatives:documents",
        "api_documents",
        lambda: Document.objects.published(),
        "updated_at",
    ),
    (
        "evenements",
        "Événements",
        "Les événements des initiatives publiées : dates, lieux, statut.",
        ["événements", "agenda"],
        "initiatives:agenda",
        "api_events",
        # Events have no date of their own: they change with their initiative's form.
        lambda: Event.objects.published(),
        "initiative__updated_at",
    ),
]


def iri(value):
    return {"@id": value}


def french(text):
    return {"@value": text, "@language": "fr"}


def moment(value):
    return {"@value": value.isoformat(), "@type": "xsd:dateTime"} if value else None


def last_changes():
    """{dataset identifier: datetime of its last public change, or None when it is empty}."""
    return {
        name: records().aggregate(last=Max(field))["last"]
        for name, _, _, _, _, _, records, field in DATASETS
    }


def distribution(node_id, title, file_type, media_type, access, download, common):
    node = {
        "@id": node_id,
        "@type": "dcat:Distribution",
        "dct:title": french(title),
        "dct:format": iri(FILE_TYPE + file_type),
        "dcat:mediaType": iri(MEDIA_TYPE + media_type),
        "dcat:accessURL": iri(access),
        **common,
    }
    if download:
        node["dcat:downloadURL"] = iri(download)
    return node


def catalogue_document(request):
    absolute = request.build_absolute_uri
    base = absolute(reverse("opendata_catalogue"))
    licence = iri(settings.DATA_LICENCE["url"])
    publisher = {
        "@id": absolute("/") + "#editeur",
        "@type": "foaf:Organization",
        "foaf:name": settings.DATA_PUBLISHER,
    }
    contact = {
        "@type": "vcard:Organization",
        "vcard:fn": f"{settings.DATA_PUBLISHER} — équipe du Registre des initiatives",
        "vcard:hasEmail": iri(f"mailto:{settings.DATA_CONTACT_EMAIL}"),
    }
    documentation = absolute(reverse("api"))
    service_id = f"{base}#api"
    changes = last_changes()
    datasets = []
    for name, title, description, keywords, page, api_list, _, _ in DATASETS:
        modified = moment(changes[name])
        common = {"dct:license": licence, **({"dct:modified": modified} if modified else {})}
        api_url = absolute(reverse(api_list))
        distributions = [
            {
                **distribution(
                    f"{base}#{name}-api",
                    "API JSON (paginée)",
                    "JSON",
                    MEDIA_TYPE_JSON,
                    api_url,
                    None,
                    common,
                ),
                "dcat:accessService": iri(service_id),
            },
            distribution(
                f"{base}#{name}-archive",
                "Archive complète du registre (un CSV par table, JSON, README)",
                "ZIP",
                "application/zip",
                settings.DATA_DUMP_URL or documentation,
                settings.DATA_DUMP_URL,
                common,
            ),
        ]
        if name == "initiatives":
            for number, (key, label, file_type, media_type, query) in enumerate(EXPORTS):
                url = absolute(reverse("initiative_export", args=[key])) + query
                distributions.append(
                    distribution(
                        f"{base}#{name}-{key}-{number}",
                        f"Export {label}",
                        file_type,
                        media_type.split(";")[0],
                        url,
                        url,
                        common,
                    )
                )
        datasets.append(
            {
                "@id": f"{base}#{name}",
                "@type": "dcat:Dataset",
                "dct:identifier": f"registre-{name}",
                "dct:title": french(title),
                "dct:description": french(description),
                "dcat:keyword": [french(keyword) for keyword in keywords],
                "dct:publisher": iri(publisher["@id"]),
                "dcat:contactPoint": contact,
                "dct:language": iri(FRENCH),
                "dct:accrualPeriodicity": iri(CONTINUOUS),
                "dcat:landingPage": iri(absolute(reverse(page))),
                "dcat:distribution": distributions,
                **common,
            }
        )
    known = [change for change in changes.values() if change]
    return {
        "@context": CONTEXT,
        "@id": base,
        "@type": "dcat:Catalog",
        "dct:title": french("Registre des initiatives de développement régional"),
        "dct:description": french(
            "Les données ouvertes du Registre des initiatives : initiatives, organisations, "
            "personnes, documents et événements publiés, par API, exports et archive complète."
        ),
        "dct:publisher": publisher,
        "dct:license": licence,
        "dct:language": iri(FRENCH),
        "foaf:homepage": iri(absolute(reverse("home"))),
        **({"dct:modified": moment(max(known))} if known else {}),
        "dcat:service": {
            "@id": service_id,
            "@type": "dcat:DataService",
            "dct:title": french("API du Registre des initiatives"),
            "dcat:endpointURL": iri(absolute("/api/")),
            "dcat:endpointDescription": iri(absolute(reverse("api_openapi"))),
            "dcat:landingPage": iri(documentation),
            "dct:license": licence,
            "dcat:servesDataset": [iri(f"{base}#{name}") for name, *_ in DATASETS],
        },
        "dcat:dataset": datasets,
    }


@open_data
def catalogue_jsonld(request):
    if request.GET:
        return JsonResponse(
            {"errors": {name[:60]: [NO_PARAMETERS] for name in sorted(request.GET)}},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(
        catalogue_document(request),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
