from django.core.management.base import BaseCommand

from portal.models import SearchWord


class Command(BaseCommand):
    help = (
        "Reconstruit le vocabulaire des suggestions de la recherche à partir des fiches "
        "publiées (après un chargement en masse, ou pour oublier les mots des fiches dépubliées)."
    )

    def handle(self, *args, **options):
        SearchWord.objects.rebuild()
        if options["verbosity"]:
            self.stdout.write(f"{SearchWord.objects.count()} mots dans le vocabulaire.")
