from django.core.management.base import BaseCommand

from initiatives.notifications import send_digests


class Command(BaseCommand):
    help = (
        "Envoie le résumé quotidien des fiches soumises à la relecture aux relecteurs qui l'ont "
        "choisi. Chaque soumission n'y figure qu'une fois : relancer la commande n'envoie rien "
        "de plus (à planifier une fois par jour)."
    )

    def handle(self, *args, **options):
        sent = send_digests()
        if sent == 0:
            self.stdout.write("Aucun résumé à envoyer.")
        else:
            self.stdout.write(
                f"{sent} résumé{'s' if sent > 1 else ''} envoyé{'s' if sent > 1 else ''}."
            )
