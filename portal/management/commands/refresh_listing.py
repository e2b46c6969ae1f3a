from django.core.management.base import BaseCommand

from actors import listing


class Command(BaseCommand):
    help = "Rebuild the listing of public initiatives (after raw SQL or bulk writes)."

    def handle(self, *args, **options):
        listing.refresh()
        self.stdout.write("Index public reconstruit.")
