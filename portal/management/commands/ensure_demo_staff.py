import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.two_factor import APP_DEVICE_NAME, grouped_secret, new_recovery_codes

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
        # A superuser gives a second factor (portal.two_factor): the demo's is set up here.
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=True, defaults={"name": APP_DEVICE_NAME}
        )
        codes = new_recovery_codes(user)
        self.stdout.write(
            f"Compte de démonstration : identifiant « {USERNAME} », mot de passe « {password} » "
            "(http://127.0.0.1:8000/admin/).\n"
            "Puis le code de la double authentification : ajoutez la clé "
            f"« {grouped_secret(device)} » à une application d'authentification (TOTP), "
            f"ou utilisez l'un de ces codes de secours, un seul usage chacun : {', '.join(codes)}."
        )
