from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from portal.backups import BackupError, backup


class Command(BaseCommand):
    help = "Sauvegarde la base et les fichiers déposés dans une archive (var/backups/ par défaut)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Chemin de l'archive .tar.gz à écrire.")

    def handle(self, *args, **options):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        output = (
            options["output"] or settings.BASE_DIR / "var" / "backups" / f"registre-{stamp}.tar.gz"
        )
        try:
            path = backup(connection.settings_dict, settings.MEDIA_ROOT, output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Sauvegarde écrite : {path}")
