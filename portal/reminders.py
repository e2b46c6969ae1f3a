"""Weekly reminders of overdue verifications, by email, to whoever answers for each record: its
responsible person, each active member of its responsible team, or, when nobody answers for
it, those who may publish it. Once a week per person at most (`VerificationReminder`)."""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from initiatives.history import user_name
from initiatives.models import publish_permission
from portal.dashboard import PUBLISHABLE, admin_url
from portal.models import VerificationReminder

logger = logging.getLogger(__name__)
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
SHOWN = 50  # records listed per kind in one email; a link leads to all of them


def week_of(day):
    return day - datetime.timedelta(days=day.weekday())


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


@dataclass
class Duty:
    """What one person is reminded of: the records they answer for, and those nobody answers
    for that they may publish, by model."""

    user: object
    own: dict = field(default_factory=lambda: defaultdict(list))
    unassigned: dict = field(default_factory=lambda: defaultdict(list))

    @property
    def count(self):
        return sum(
            len(records) for group in (self.own, self.unassigned) for records in group.values()
        )


def duties(today=None):
    """{user id: Duty} for every overdue, non-archived record."""
    today = today or timezone.localdate()
    User = get_user_model()
    members = defaultdict(list)  # team id -> its active members
    memberships = User.groups.through.objects.filter(user__is_active=True).select_related("user")
    for membership in memberships:
        members[membership.group_id].append(membership.user)
    found = {}

    def duty(user):
        return found.setdefault(user.pk, Duty(user))

    for model in PUBLISHABLE:
        publishers = None
        overdue = (
            model.objects.verification_overdue(today)
            .select_related("responsible")
            .order_by("verification_due", "pk")
        )
        for record in overdue.iterator(chunk_size=2000):
            people = (
                [record.responsible] if record.responsible and record.responsible.is_active else []
            )
            people += [u for u in members.get(record.responsible_team_id, []) if u not in people]
            if people:
                for user in people:
                    duty(user).own[model].append(record)
                continue
            if publishers is None:
                publishers = list(
                    User.objects.with_perm(
                        publish_permission(model),
                        is_active=True,
                        include_superusers=False,
                        backend=MODEL_BACKEND,
                    )
                )
            for user in publishers:
                duty(user).unassigned[model].append(record)
    return found


def listing(group, query):
    """The records of one part of the email, by kind, at most SHOWN of each."""
    kinds = []
    for model, records in group.items():
        kinds.append(
            {
                "title": model._meta.verbose_name_plural,
                "records": [
                    {
                        "title": str(record),
                        "due": record.verification_due,
                        "url": absolute(admin_url(model, "change", record.pk)),
                    }
                    for record in records[:SHOWN]
                ],
                "more": len(records) - SHOWN if len(records) > SHOWN else 0,
                "all_url": absolute(admin_url(model, "changelist", query=query)),
            }
        )
    return kinds


def message(duty):
    count = duty.count
    context = {
        "user_name": user_name(duty.user),
        "count": count,
        "own": listing(duty.own, {"verification": "overdue", "suivi": "responsible"}),
        "unassigned": listing(duty.unassigned, {"verification": "overdue"}),
        "home_url": absolute(reverse("admin:index")),
    }
    subject = (
        "[Registre] 1 fiche à vérifier" if count == 1 else f"[Registre] {count} fiches à vérifier"
    )
    body = render_to_string("portal/email/verification_reminder.txt", context)
    return EmailMessage(subject, body, to=[duty.user.email])


@dataclass
class Report:
    sent: list = field(default_factory=list)
    already: list = field(default_factory=list)  # reminded earlier this week
    no_address: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def send_reminders(today=None, dry_run=False):
    """One email per person with overdue records, unless they had one this week. The reminder
    is noted in the transaction that sends it: a failed send is tried again next run."""
    today = today or timezone.localdate()
    week = week_of(today)
    report = Report()
    reminded = set(VerificationReminder.objects.filter(week=week).values_list("user_id", flat=True))
    connection = None
    for user_id, duty in sorted(duties(today).items()):
        if user_id in reminded:
            report.already.append(duty)
        elif not duty.user.email:
            report.no_address.append(duty)
        elif dry_run:
            report.sent.append(duty)
        else:
            connection = connection or get_connection()
            try:
                with transaction.atomic():
                    VerificationReminder.objects.create(
                        user=duty.user, week=week, records=duty.count
                    )
                    connection.send_messages([message(duty)])
            except IntegrityError:  # another run reminded them meanwhile
                report.already.append(duty)
            except Exception:
                logger.exception("verification reminder to user %s failed", user_id)
                report.failed.append(duty)
            else:
                report.sent.append(duty)
    return report
