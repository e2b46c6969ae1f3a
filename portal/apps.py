from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portail"

    def ready(self):
        from portal import cache, security  # noqa: F401  (security connects the login log)

        cache.connect_signals()
