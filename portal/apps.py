from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portail"

    def ready(self):
        from django.db.models.signals import post_migrate

        from portal import reporting, security  # noqa: F401  (the login log, the checks)
        from portal.staff import name_permissions_in_french

        post_migrate.connect(name_permissions_in_french, dispatch_uid="registre_permissions_fr")
