import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.privacy import PersonNotFound, export, find_person


class Command(BaseCommand):
    help = (
        "Exporte en JSON tout ce que le registre conserve sur une personne (droit d’accès)\u202f: "
        "fiche, versions, rôles, fonctions, sources, propositions, anonymisations, journal."
    )

    def add_arguments(self, parser):
        parser.add_argument("person", help="Adresse (slug) ou numéro de la personne.")
        parser.add_argument("--output", help="Fichier JSON à écrire (sinon la sortie standard).")
        parser.add_argument(
            "--username",
            default=getpass.getuser(),
            help="Qui exporte (inscrit au journal)\u202f; par défaut l’utilisateur du système.",
        )

    def handle(self, *args, person, output, username, **options):
        try:
            found = find_person(person)
        except PersonNotFound as error:
            raise CommandError(str(error)) from None
        text = export(found, username=username)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stdout.write(f"Données de la personne n° {found.pk} écrites\u202f: {output}")
        else:
            self.stdout.write(text)
