from django.apps import AppConfig


class ActorsConfig(AppConfig):
    name = "actors"
    verbose_name = "Acteurs"

    def ready(self):
        from actors import listing

        listing.connect_signals()
