from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from initiatives.history import record_initial_versions
from initiatives.translations import load_translations
from portal.models import SearchWord

FIXTURES_DIR = settings.BASE_DIR / "fixtures"


class Command(BaseCommand):
    help = "Charge les données de démonstration de fixtures/ (sans effet si elles sont déjà là)."

    def handle(self, *args, **options):
        # Fixtures carry their keys, so loading them again rewrites the same rows.
        fixtures = sorted(str(path) for path in FIXTURES_DIR.glob("*.json"))
        if not fixtures:
            self.stdout.write("Aucune donnée de démonstration dans fixtures/.")
            return
        call_command("loaddata", *fixtures, verbosity=options["verbosity"])
        # The English in a file of its own, keyed by slug: the French fixtures change freely.
        for path in sorted((FIXTURES_DIR / "translations").glob("*.json")):
            for record in load_translations(path, language=path.stem):
                self.stderr.write(f"{path.name}\u202f: {record} absent des données, ignoré.")
        record_initial_versions("Données de démonstration")
        SearchWord.objects.rebuild()
