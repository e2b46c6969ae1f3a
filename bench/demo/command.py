"""The demo-data generator as a Django command object, run by bench/generate.py (and by the
tests through call_command): not a management command, so that production never installs it."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bench.demo.loader import Loader


class Command(BaseCommand):
    help = (
        "Ajoute aux données de démonstration un registre fictif mais vraisemblable : "
        "initiatives, territoires, acteurs, implications, jalons, événements, chiffres clés."
    )

    def add_arguments(self, parser):
        parser.add_argument("--initiatives", type=int, default=1000, help="Nombre d'initiatives.")
        parser.add_argument("--seed", type=int, default=1, help="Graine du générateur.")

    def handle(self, *args, initiatives, seed, **options):
        if initiatives < 1:
            raise CommandError("--initiatives doit être au moins 1.")
        started = time.perf_counter()
        with transaction.atomic():
            loader = Loader(initiatives, seed, self.stdout if options["verbosity"] else None)
            with loader.cursor:
                loader.run()
        loader.report(time.perf_counter() - started)
