"""Official identifiers of an organisation: SIREN or SIRET (checksums by python-stdnum) and the
RNA number of an association, stored compact (no spaces) whatever way they were typed."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from stdnum.fr import siren, siret

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
