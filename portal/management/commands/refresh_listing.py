from django.core.management.base import BaseCommand

from portal.models import rebuild_derived


class Command(BaseCommand):
    help = (
        "Reconstruit les données dérivées (index public, totaux, vocabulaire de la recherche) "
        "et invalide les pages en cache. Inutile après une écriture ordinaire : la base les "
        "tient à jour d'elle-même."
    )

    def handle(self, *args, **options):
        rebuild_derived()
        self.stdout.write("Index public, totaux et vocabulaire reconstruits.")
