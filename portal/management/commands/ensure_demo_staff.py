import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "demo"
PASSWORD_FILE = settings.BASE_DIR / "var" / "demo_password"


class Command(BaseCommand):
    help = "Crée le compte agent de démonstration (base embarquée locale seulement)."

    def handle(self, *args, **options):
        if os.environ.get("DATABASE_URL"):
            self.stdout.write("DATABASE_URL est défini : pas de compte de démonstration.")
            return
        if not PASSWORD_FILE.exists():
            PASSWORD_FILE.parent.mkdir(parents=True, exist_ok=True)
            PASSWORD_FILE.write_text(secrets.token_urlsafe(12))
            PASSWORD_FILE.chmod(0o600)
        password = PASSWORD_FILE.read_text().strip()
        user, _ = get_user_model().objects.get_or_create(username=USERNAME)
        if not (user.is_superuser and user.check_password(password)):
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
        self.stdout.write(
            f"Compte de démonstration : identifiant « {USERNAME} », mot de passe « {password} » "
            "(http://127.0.0.1:8000/admin/)"
        )
