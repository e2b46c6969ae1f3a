from django.core.management.base import BaseCommand

from portal.alerts import send_digests


class Command(BaseCommand):
    help = (
        "Envoie à chaque alerte par courriel confirmée les initiatives publiques nouvelles ou "
        "mises à jour de sa liste depuis son dernier envoi, une fois par jour ou par semaine "
        "selon son choix ; relancer la commande le même jour n'envoie rien de plus (à planifier "
        "au moins une fois par jour)."
    )

    def handle(self, *args, **options):
        done, sent = send_digests()
        self.stdout.write(f"{done} alerte(s) traitée(s), {sent} courriel(s) envoyé(s).")
