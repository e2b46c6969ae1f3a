"""Reviewers hear of submissions by email: one email per submission, or a daily digest, as each
chooses (`ReviewEmailPreference`). Sent through Django's email framework (see settings)."""

import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from initiatives.history import user_name
from initiatives.models import PublicationState, ReviewEmailPreference, ReviewStep
from initiatives.typography import guillemets

logger = logging.getLogger(__name__)
Frequency = ReviewEmailPreference.Frequency
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def site_url(path):
    return settings.SITE_URL.rstrip("/") + path


def change_url(record):
    opts = record._meta
    return site_url(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]))


def preferences_url():
    return site_url(reverse("admin:initiatives_reviewemailpreference_changelist"))


def reviewers(model, frequency):
    """Active users with an email who may publish records of `model` and chose `frequency`."""
    codename = f"{model._meta.app_label}.publish_{model._meta.model_name}"
    users = get_user_model().objects.with_perm(
        codename, is_active=True, include_superusers=False, backend=MODEL_BACKEND
    )
    chosen = Q(review_email_preference__frequency=frequency)
    if frequency == Frequency.EACH:  # the default, for those who never chose
        chosen |= Q(review_email_preference__isnull=True)
    return users.exclude(email="").filter(chosen).order_by("pk")


def notify_submission(step_id):
    """Tell the reviewers who want one email per submission; a failure is logged, never raised:
    the submission is saved, and the digest and the dashboard still show it."""
    try:
        step = ReviewStep.objects.select_related("user", "content_type").get(pk=step_id)
        record = step.record
        if record is None:
            return 0
        recipients = [u for u in reviewers(type(record), Frequency.EACH) if u.pk != step.user_id]
        messages = [submission_message(step, record, user) for user in recipients]
        if messages:
            get_connection().send_messages(messages)
        return len(messages)
    except Exception:
        logger.exception("Courriel de relecture non envoyé (étape %s)", step_id)
        return 0


def submission_message(step, record, user):
    context = {
        "user": user,
        "user_name": user_name(user),
        "author": user_name(step.user),
        "step": step,
        "record": record,
        "kind": record._meta.verbose_name,
        "url": change_url(record),
        "preferences_url": preferences_url(),
    }
    subject = f"[Registre] À relire\u202f: {guillemets(record)} ({record._meta.verbose_name})"
    body = render_to_string("initiatives/email/review_submitted.txt", context)
    return EmailMessage(subject, body, to=[user.email])


def send_digests(now=None):
    """One email per digest reader listing the submissions no digest has told yet, then marks
    them: run it again and nothing is sent twice. Returns the number of emails sent."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = list(
            ReviewStep.objects.filter(action=ReviewStep.Action.SUBMIT, notified_at__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "content_type")
            .order_by("at", "pk")
        )
        if not pending:
            return 0
        by_model = defaultdict(list)
        for step in pending:
            by_model[step.content_type.model_class()].append(step)
        awaiting = {}  # step pk -> record, for records still in review
        for model, steps in by_model.items():
            records = model._default_manager.in_bulk([step.object_id for step in steps])
            for step in steps:
                record = records.get(step.object_id)
                if record is not None and record.publication_state == PublicationState.REVIEW:
                    awaiting[step.pk] = record
        per_user = defaultdict(list)
        users = {}
        for model, steps in by_model.items():
            for user in reviewers(model, Frequency.DAILY):
                users[user.pk] = user
                per_user[user.pk].extend(
                    (step, awaiting[step.pk])
                    for step in steps
                    if step.pk in awaiting and step.user_id != user.pk
                )
        messages = [
            digest_message(users[pk], sorted(items, key=lambda item: item[0].at))
            for pk, items in per_user.items()
            if items
        ]
        if messages:
            get_connection().send_messages(messages)
        ReviewStep.objects.filter(pk__in=[step.pk for step in pending]).update(notified_at=now)
    return len(messages)


def digest_message(user, items):
    context = {
        "user_name": user_name(user),
        "items": [
            {
                "step": step,
                "record": record,
                "kind": record._meta.verbose_name,
                "author": user_name(step.user),
                "url": change_url(record),
            }
            for step, record in items
        ],
        "preferences_url": preferences_url(),
    }
    count = len(items)
    subject = "[Registre] 1 fiche à relire" if count == 1 else f"[Registre] {count} fiches à relire"
    body = render_to_string("initiatives/email/review_digest.txt", context)
    return EmailMessage(subject, body, to=[user.email])
