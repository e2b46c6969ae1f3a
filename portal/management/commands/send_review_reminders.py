from django.core.management.base import BaseCommand, CommandError

from portal.reminders import send_reminders


def people(duties):
    return ", ".join(duty.user.get_username() for duty in duties)


class Command(BaseCommand):
    help = (
        "Envoie à chaque responsable la liste de ses fiches dont la vérification est en retard "
        "(les fiches sans responsable vont à ceux qui peuvent les publier). Une fois par semaine "
        "et par personne au plus : relancer la commande la même semaine n'envoie rien de plus "
        "(à planifier chaque semaine, ou chaque jour sans risque)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Dire qui recevrait un rappel, sans rien envoyer ni noter.",
        )

    def handle(self, *args, dry_run=False, **options):
        report = send_reminders(dry_run=dry_run)
        sent = len(report.sent)
        if dry_run:
            self.stdout.write(f"Rappels à envoyer\u202f: {sent} ({people(report.sent)}).")
        elif sent:
            self.stdout.write(
                f"{sent} rappel{'s' if sent > 1 else ''} envoyé{'s' if sent > 1 else ''}."
            )
        else:
            self.stdout.write("Aucun rappel à envoyer.")
        if report.already:
            self.stdout.write(f"Déjà prévenus cette semaine\u202f: {people(report.already)}.")
        if report.no_address:
            self.stdout.write(f"Sans adresse électronique\u202f: {people(report.no_address)}.")
        if report.failed:
            failed = people(report.failed)
            raise CommandError(
                f"Envoi impossible pour\u202f: {failed} (nouvel essai au prochain passage)."
            )
