from django.db import models


class RegistryVersion(models.Model):
    """One row, bumped by every change to the registry: cached public pages are keyed on it."""

    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "version du registre"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pk=1), name="portal_registryversion_single_row"
            )
        ]

    def __str__(self):
        return str(self.number)
