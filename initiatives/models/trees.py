"""Trees kept by the database: a parent and its `lineage` (ancestors' ids), filled by triggers."""

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q

from initiatives.models.fields import ChoiceLabels, FieldConstraintErrors, on_field


class TreeQuerySet(models.QuerySet):
    def under(self, node):
        """The node and all its descendants: one indexed lookup on the stored lineage."""
        return self.filter(lineage__contains=[node.pk])


class TerritoryQuerySet(TreeQuerySet):
    def with_outlined_ancestor(self):
        """Each territory with `outlined_ancestor`: what a locator draws when it has no outline."""
        return self.annotate(outlined_ancestor=self.model.outlined_ancestor())

    def around(self, territory):
        """The territory, its sub-territories, and the territories it became or came from.

        A search on Picardie finds what is filed at the level of Hauts-de-France, its successor,
        and a search on Hauts-de-France finds what is filed under Picardie, below it.
        """
        return self.filter(
            Q(lineage__contains=[territory.pk])
            | Q(pk__in=territory.successors.values("pk"))
            | Q(pk__in=territory.predecessors.values("pk"))
        )


class AnyOf(Func):
    """`value = ANY(array)`: the rows of an array of ids, read through the primary key."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = models.BooleanField()


class TreeNode(ChoiceLabels, FieldConstraintErrors, models.Model):
    """A node whose `lineage` (ids from the root down to itself) is kept by a database trigger.

    The trigger (migration 0001) recomputes the lineage on every insert and move, cascades it to
    the descendants, and refuses a cycle, whatever wrote the row.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name="parent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    lineage = ArrayField(models.BigIntegerField(), default=list, editable=False)

    class Meta:
        abstract = True

    # Columns the database computes on every write; read back after a save.
    derived_fields = ("lineage",)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        values = type(self).objects.values_list(*self.derived_fields).get(pk=self.pk)
        for name, value in zip(self.derived_fields, values, strict=True):
            setattr(self, name, value)

    def clean(self):
        super().clean()
        if (
            self.parent_id
            and self.pk
            and (self.parent_id == self.pk or self.pk in (self.parent.lineage or []))
        ):
            raise ValidationError({"parent": "Un élément ne peut pas être rangé sous lui-même."})

    def ancestors(self):
        """Ancestors from the root down, in one query."""
        rows = {row.pk: row for row in type(self).objects.filter(pk__in=self.lineage[:-1])}
        return [rows[pk] for pk in self.lineage[:-1] if pk in rows]


def tree_constraints(name):
    return [
        on_field(
            "parent",
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name=f"initiatives_{name}_not_own_parent",
                violation_error_message="Un élément ne peut pas être rangé sous lui-même.",
            ),
        ),
    ]
