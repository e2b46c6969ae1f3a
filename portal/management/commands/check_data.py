from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.data_checks import run_checks


class Command(BaseCommand):
    help = (
        "Contrôle la cohérence des données (dates, événements, nombres annoncés, documents, "
        "organisations nommées, territoires) ; sort en erreur s'il trouve quelque chose."
    )

    def handle(self, *args, **options):
        results = run_checks(timezone.localdate())
        total = sum(len(findings) for _, findings in results)
        if not total:
            self.stdout.write("Contrôle des données : aucune incohérence.")
            return
        for check, findings in results:
            if not findings:
                continue
            self.stdout.write(f"\n{check.title} ({len(findings)})\n  {check.advice}")
            for finding in findings:
                self.stdout.write(f"  - {finding.label} : {finding.message}")
                if finding.admin_url:
                    self.stdout.write(f"    {finding.admin_url}")
        raise CommandError(
            f"Contrôle des données : {total} incohérence{'s' if total > 1 else ''} à corriger.",
            returncode=1,
        )
