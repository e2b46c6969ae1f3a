from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portail"

    def ready(self):
        from django.db.models.signals import post_migrate

        # The login log, the checks, the staff sessions' signal handlers.
        from portal import reporting, security, staff_sessions  # noqa: F401
        from portal.staff import name_permissions_in_french

        post_migrate.connect(name_permissions_in_french, dispatch_uid="registre_permissions_fr")
