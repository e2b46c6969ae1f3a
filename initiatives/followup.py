"""Who follows up on which publishable record: drafts a person wrote, the review queue with who
submitted what and since when, changes requested to someone, and verification.

Functions over a queryset of any publishable model, shared by the admin home and the changelist
filters, so each rule is written once.
"""

import datetime

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import DateTimeField, Exists, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html

from initiatives.history import user_name
from initiatives.models import PublicationState, ReviewStep
from initiatives.typography import french_date

DAWN = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)


def _history(model):
    return model.history.model.objects.filter(id=OuterRef("pk"))


def _steps(model):
    content_type = ContentType.objects.get_for_model(model)
    return ReviewStep.objects.filter(content_type=content_type, object_id=OuterRef("pk"))


def touched_by(queryset, user):
    """Records the user created, or changed last, as the history says."""
    history = _history(queryset.model)
    last_editor = history.order_by("-history_date", "-history_id").values("history_user_id")[:1]
    return queryset.alias(last_editor=Subquery(last_editor)).filter(
        Q(last_editor=user.pk) | Exists(history.filter(history_type="+", history_user=user))
    )


def with_submission(queryset):
    """Records annotated with their current submission to review: `submitted_by_id`,
    `submitted_at`, `submission_comment`.

    The submit step counts if it came after the last version of the record that was not in
    review (a step from an earlier round is stale). Without one (the state was set in the form,
    by a bulk action or an import), the history tells who first saved the record in review.
    """
    model = queryset.model
    out_of_review = (
        _history(model)
        .exclude(publication_state=PublicationState.REVIEW)
        .order_by("-history_date", "-history_id")
        .values("history_date")[:1]
    )
    since = Coalesce(OuterRef("out_of_review"), Value(DAWN, output_field=DateTimeField()))
    step = (
        _steps(model).filter(action=ReviewStep.Action.SUBMIT, at__gt=since).order_by("-at", "-pk")
    )
    entered = (
        _history(model)
        .filter(publication_state=PublicationState.REVIEW, history_date__gt=since)
        .order_by("history_date", "history_id")
    )
    return (
        queryset.alias(out_of_review=Subquery(out_of_review))
        .alias(
            step_at=Subquery(step.values("at")[:1]),
            step_user=Subquery(step.values("user_id")[:1]),
            entered_at=Subquery(entered.values("history_date")[:1]),
            entered_user=Subquery(entered.values("history_user_id")[:1]),
        )
        .annotate(
            submitted_at=Coalesce("step_at", "entered_at", "updated_at"),
            submitted_by_id=Coalesce("step_user", "entered_user"),
            submission_comment=Coalesce(
                Subquery(step.values("comment")[:1]), Value(""), output_field=TextField()
            ),
        )
    )


def awaiting_review(queryset):
    return with_submission(queryset.filter(publication_state=PublicationState.REVIEW))


def submitted_by(queryset, user):
    """Records in review that the user sent there."""
    return awaiting_review(queryset).filter(submitted_by_id=user.pk)


def changes_requested_to(queryset, user):
    """Drafts whose last review step asks the user for changes, annotated with that step:
    `request_by_id`, `request_at`, `request_comment`."""
    last = _steps(queryset.model).exclude(action=ReviewStep.Action.VERIFY).order_by("-at", "-pk")
    return (
        queryset.filter(publication_state=PublicationState.DRAFT)
        .alias(
            last_action=Subquery(last.values("action")[:1]),
            last_addressee=Subquery(last.values("addressed_to_id")[:1]),
        )
        .filter(last_action=ReviewStep.Action.REQUEST_CHANGES, last_addressee=user.pk)
        .annotate(
            request_by_id=Subquery(last.values("user_id")[:1]),
            request_at=Subquery(last.values("at")[:1]),
            request_comment=Subquery(last.values("comment")[:1]),
        )
    )


def verification_up_to_date(queryset):
    """Records not overdue for verification (archived ones are not verified any more)."""
    overdue = queryset.model.objects.verification_overdue().values("pk")
    return queryset.exclude(publication_state=PublicationState.ARCHIVED).exclude(pk__in=overdue)


def with_responsibility_of(queryset, user):
    """Annotated with `mine`: the user answers for the record, in person or through a team."""
    theirs = queryset.model.objects.responsibility_of(user).filter(pk=OuterRef("pk"))
    return queryset.annotate(mine=Exists(theirs))


class VerificationFilter(admin.SimpleListFilter):
    title = "vérification"
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [("overdue", "en retard"), ("up_to_date", "à jour")]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.verification_overdue()
        if self.value() == "up_to_date":
            return verification_up_to_date(queryset)
        return queryset


class FollowUpFilter(admin.SimpleListFilter):
    """The records of the signed-in person, as the admin home lists them."""

    title = "mon suivi"
    parameter_name = "suivi"

    def lookups(self, request, model_admin):
        return [
            ("mine", "créées ou modifiées en dernier par moi"),
            ("submitted", "soumises à la relecture par moi"),
            ("requested", "modifications demandées à moi"),
            ("responsible", "sous ma responsabilité"),
        ]

    def queryset(self, request, queryset):
        user = request.user
        if self.value() == "mine":
            return touched_by(queryset, user)
        if self.value() == "submitted":
            return submitted_by(queryset, user)
        if self.value() == "requested":
            return changes_requested_to(queryset, user)
        if self.value() == "responsible":
            return queryset.responsibility_of(user)
        return queryset


@admin.display(description="échéance de vérification")
def verification_due(record):
    due = record.verification_due
    if due is None or record.publication_state == PublicationState.ARCHIVED:
        return "—"
    shown = french_date(due, month="N")
    if due < timezone.localdate():
        return format_html('{} <strong class="verification-overdue">en retard</strong>', shown)
    return shown


def staff_members():
    """Who may be made responsible for a record: active staff, by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .order_by("last_name", "first_name", "username")
    )


class ResponsibleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user_name(user)
