from django.apps import AppConfig


class ActorsConfig(AppConfig):
    name = "actors"
    verbose_name = "Acteurs"

    def ready(self):
        from actors import workflow  # noqa: F401  (registers the actors' links to publish with)
