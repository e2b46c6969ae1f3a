"""Official identifiers of an organisation: SIREN or SIRET (checksums by python-stdnum) and the
RNA number of an association, stored compact (no spaces) whatever way they were typed."""

import re
from urllib.parse import urlsplit

from django import forms
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from stdnum.fr import siren, siret

from initiatives.models import PublishableQuerySet, SortKey

RNA = re.compile(r"W\d{9}")
SEPARATORS = re.compile(r"[\s.\-/]+")


def compact(value):
    """ "732 829 320" → "732829320", "w595000123" → "W595000123"."""
    return SEPARATORS.sub("", value or "").upper()


def validate_siren_or_siret(value):
    value = compact(value)
    if not value.isdigit() or len(value) not in (9, 14):
        raise ValidationError(
            "Saisissez un SIREN (9 chiffres) ou un SIRET (14 chiffres).", code="invalid"
        )
    number = siren if len(value) == 9 else siret
    if not number.is_valid(value):
        kind = "SIREN" if len(value) == 9 else "SIRET"
        raise ValidationError(
            f"Ce {kind} n’est pas valide\u202f: sa clé de contrôle ne correspond pas "
            "(vérifiez les chiffres).",
            code="checksum",
        )


def validate_rna(value):
    if not RNA.fullmatch(compact(value)):
        raise ValidationError(
            "Un numéro RNA s’écrit W suivi de 9 chiffres (par exemple W595012345).",
            code="invalid",
        )


def siren_of(value):
    """The SIREN (the legal unit) of a SIREN or SIRET, or "" for anything else."""
    value = compact(value)
    return value[:9] if value.isdigit() and len(value) in (9, 14) else ""


class CompactIdentifierFormField(forms.CharField):
    def to_python(self, value):
        return compact(super().to_python(value))


class CompactIdentifierField(models.CharField):
    """A CharField that drops spaces, dots and dashes and uppercases before validating."""

    def to_python(self, value):
        return compact(super().to_python(value))

    def formfield(self, **kwargs):
        # Room for the spaces people type ("732 829 320 00074"): the length is checked compact.
        return super().formfield(
            **{"form_class": CompactIdentifierFormField, "max_length": 24, **kwargs}
        )


# A shared host says nothing about who owns the page.
SHARED_HOSTS = {
    "facebook.com",
    "linkedin.com",
    "twitter.com",
    "x.com",
    "instagram.com",
    "youtube.com",
    "helloasso.com",
    "google.com",
    "sites.google.com",
}


def web_domain(url):
    """ "https://www.cerdd.org/page" → "cerdd.org" ("" for no address or a shared host)."""
    url = (url or "").strip()
    if url and "://" not in url:
        url = f"https://{url}"
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    host = host.removeprefix("www.")
    return "" if host in SHARED_HOSTS else host


SIMILAR_NAME = 0.5  # trigram similarity of the unaccented names


class OrganisationQuerySet(PublishableQuerySet):
    def likely_duplicates_of(self, name="", territory=None, website="", siren=""):
        """Organisations that may be the one described: the same SIREN (a SIRET counts by its
        SIREN), a similar unaccented name in the same territory, or the same web domain.

        Each is annotated with `same_siren`, `similar_name` and `same_domain` (booleans) and
        `name_similarity`; the closest first.
        """
        name = (name or "").strip()
        rules = {}
        legal_unit = siren_of(siren)
        if legal_unit:
            rules["same_siren"] = Q(siren__startswith=legal_unit)
        if name:
            place = Q(territory=territory) if territory is not None else Q(territory__isnull=True)
            rules["similar_name"] = place & Q(name_similarity__gte=SIMILAR_NAME)
        domain = web_domain(website)
        if domain:
            host = rf"^(https?://)?(www\.)?{re.escape(domain)}([:/?#]|$)"
            rules["same_domain"] = Q(website__iregex=host)
        if not rules:
            return self.none()
        similarity = TrigramSimilarity("sort_key", SortKey(Value(name))) if name else Value(0.0)
        flags = {
            key: models.ExpressionWrapper(rules[key], output_field=models.BooleanField())
            if key in rules
            else Value(False)
            for key in ("same_siren", "similar_name", "same_domain")
        }
        return (
            self.annotate(name_similarity=similarity)
            .annotate(**flags)
            .filter(Q(same_siren=True) | Q(similar_name=True) | Q(same_domain=True))
            .select_related("territory")
            .order_by("-same_siren", "-name_similarity", "sort_key")
        )
