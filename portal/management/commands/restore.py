from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restaure une archive de `backup` dans une base vide (et les fichiers déposés)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Archive .tar.gz écrite par `manage.py backup`.")

    def handle(self, *args, **options):
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"Archive introuvable : {archive}")
        connection.close()
        try:
            restore(archive, connection.settings_dict, settings.MEDIA_ROOT)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restauré depuis {archive}.")
