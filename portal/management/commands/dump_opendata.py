import datetime
from argparse import ArgumentTypeError

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from portal.opendata import OpenDataError
from portal.opendata.dump import dump


def iso_date(text):
    try:
        date = datetime.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"« {text} » n'est pas une date AAAA-MM-JJ.") from None
    if date.year < 1980:  # the oldest date a zip entry can hold
        raise ArgumentTypeError("La date doit être postérieure à 1980.")
    return date


class Command(BaseCommand):
    help = (
        "Écrit tout le registre publié en données ouvertes : une archive datée "
        "(un CSV par table, registre.json, README.txt), var/opendata/ par défaut."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Dossier où écrire l'archive.")
        parser.add_argument(
            "--date", type=iso_date, help="Date de l'export (AAAA-MM-JJ), aujourd'hui par défaut."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Base à lire.")

    def handle(self, *args, **options):
        directory = options["output"] or settings.BASE_DIR / "var" / "opendata"
        date = options["date"] or timezone.localdate()
        try:
            path = dump(directory, date, using=options["database"])
        except OpenDataError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Données ouvertes écrites : {path}")
