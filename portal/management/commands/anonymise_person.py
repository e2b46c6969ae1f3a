import getpass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from actors.privacy import erased_labels
from portal.privacy import PersonNotFound, anonymise, find_person, staff_user


class Command(BaseCommand):
    help = (
        "Anonymise une personne (droit à l’effacement)\u202f: noms, présentation, coordonnées et "
        "sources effacés, historique compris\u202f; ses rôles restent publics sous un nom anonyme "
        "sauf avec --drop-roles."
    )

    def add_arguments(self, parser):
        parser.add_argument("person", help="Adresse (slug) ou numéro de la personne.")
        roles = parser.add_mutually_exclusive_group()
        roles.add_argument(
            "--drop-roles",
            action="store_true",
            help="Supprimer aussi ses implications et ses fonctions.",
        )
        roles.add_argument(
            "--keep-roles",
            action="store_true",
            help="Conserver ses implications et ses fonctions sous un nom anonyme.",
        )
        parser.add_argument(
            "--username",
            default=getpass.getuser(),
            help="Qui anonymise (inscrit au journal)\u202f; par défaut l’utilisateur du système.",
        )

    def handle(self, *args, person, drop_roles, keep_roles, username, **options):
        try:
            found = find_person(person)
        except PersonNotFound as error:
            raise CommandError(str(error)) from None
        if not username.strip():
            raise CommandError("Indiquez qui anonymise avec --username.")
        keep = keep_roles or (not drop_roles and settings.REGISTRE_ERASURE_KEEPS_ROLES)
        erasure = anonymise(
            found, keep_roles=keep, user=staff_user(username), username=username.strip()
        )
        kept = "conservés sous un nom anonyme" if erasure.roles_kept else "supprimés"
        self.stdout.write(
            f"Personne n° {erasure.person_id} anonymisée\u202f; effacé\u202f: "
            f"{', '.join(erased_labels(erasure.fields))}\u202f; rôles {kept}."
        )
