from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from portal.opendata import OpenDataError
from portal.opendata.load import load


class Command(BaseCommand):
    help = (
        "Charge une archive de `dump_opendata` dans une base migrée dont les tables du registre "
        "sont vides ; chaque fiche chargée est publiée."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Archive .zip écrite par `manage.py dump_opendata`.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Base où charger.")

    def handle(self, *args, **options):
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"Archive introuvable : {archive}")
        try:
            counts = load(archive, using=options["database"])
        except OpenDataError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{sum(counts.values())} lignes chargées depuis {archive}.")
