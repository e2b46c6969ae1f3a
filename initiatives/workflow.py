"""The review workflow on a publishable record (initiative, document, organisation, person):
submit, request changes, publish, archive, back to draft, mark verified.

Each transition is one transaction: the record is read again under lock, the rights and the
state are checked, the record is saved with a French reason (so the comment shows in its history)
and a `ReviewStep` keeps who did what, with the comment. Nothing is written when it is refused.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import router, transaction
from django.utils import timezone

from initiatives.models import PublicationState, ReviewStep, publish_permission
from initiatives.numbers import plural

State = PublicationState
NNBSP = "\u202f"  # before ; : ! ? in French


@dataclass(frozen=True)
class Transition:
    name: str
    action: str  # ReviewStep.Action
    label: str  # the button
    sources: tuple  # states it starts from
    target: str | None  # None: the state stays (verification)
    reviewers_only: bool  # needs publish_<model>, else change_<model>
    done: tuple  # (one, several) as in "1 fiche publiée", "2 fiches publiées"


TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "submit",
            ReviewStep.Action.SUBMIT,
            "Soumettre à la relecture",
            (State.DRAFT,),
            State.REVIEW,
            False,
            ("envoyée en relecture", "envoyées en relecture"),
        ),
        Transition(
            "request_changes",
            ReviewStep.Action.REQUEST_CHANGES,
            "Demander des modifications",
            (State.REVIEW,),
            State.DRAFT,
            True,
            ("renvoyée en brouillon à son auteur", "renvoyées en brouillon à leurs auteurs"),
        ),
        Transition(
            "publish",
            ReviewStep.Action.PUBLISH,
            "Publier",
            (State.DRAFT, State.REVIEW, State.ARCHIVED),
            State.PUBLISHED,
            True,
            ("publiée", "publiées"),
        ),
        Transition(
            "archive",
            ReviewStep.Action.ARCHIVE,
            "Archiver",
            (State.DRAFT, State.REVIEW, State.PUBLISHED),
            State.ARCHIVED,
            True,
            ("archivée", "archivées"),
        ),
        Transition(
            "unpublish",
            ReviewStep.Action.UNPUBLISH,
            "Repasser en brouillon",
            (State.PUBLISHED, State.ARCHIVED),
            State.DRAFT,
            True,
            ("repassée en brouillon", "repassées en brouillon"),
        ),
        Transition(
            "verify",
            ReviewStep.Action.VERIFY,
            "Marquer comme vérifié",
            (State.DRAFT, State.REVIEW, State.PUBLISHED),
            None,
            False,
            ("marquée comme vérifiée", "marquées comme vérifiées"),
        ),
    )
}

# What a record in each state "is", for one record and for several ("3 fiches … sont publiées").
STATE_PHRASES = {
    State.DRAFT: ("est un brouillon", "sont des brouillons"),
    State.REVIEW: ("est en relecture", "sont en relecture"),
    State.PUBLISHED: ("est publiée", "sont publiées"),
    State.ARCHIVED: ("est archivée", "sont archivées"),
}
ALREADY = {
    State.DRAFT: ("est déjà un brouillon", "sont déjà des brouillons"),
    State.REVIEW: ("est déjà en relecture", "sont déjà en relecture"),
    State.PUBLISHED: ("est déjà publiée", "sont déjà publiées"),
    State.ARCHIVED: ("est déjà archivée", "sont déjà archivées"),
}
NOT_ALLOWED = ("ne vous est pas permise", "ne vous sont pas permises")


class TransitionRefused(Exception):
    """A transition that may not happen: `permission` (403) or the record's state."""

    def __init__(self, message, *, permission=False, reason=None):
        super().__init__(message)
        self.message = message
        self.permission = permission
        self.reason = reason  # (one, several) phrase, for the bulk actions' explanations


def perm(model, what):
    return f"{model._meta.app_label}.{what}_{model._meta.model_name}"


def refusal(name, user, record):
    """Why `user` may not apply transition `name` to `record` now, or None."""
    transition = TRANSITIONS[name]
    model = type(record)
    needed = publish_permission(model) if transition.reviewers_only else perm(model, "change")
    if user is None or not user.is_active or not user.has_perm(needed):
        who = "aux relecteurs" if transition.reviewers_only else "aux rédacteurs et relecteurs"
        return TransitionRefused(
            f"« {transition.label} » est réservé {who} de ces fiches.",
            permission=True,
            reason=NOT_ALLOWED,
        )
    state = record.publication_state
    if state not in transition.sources:
        phrases = ALREADY if state == transition.target else STATE_PHRASES
        return TransitionRefused(
            f"« {record} » {phrases[state][0]}{NNBSP}: « {transition.label} » ne s'applique pas.",
            reason=phrases[state],
        )
    return None


def available(user, record):
    """The transitions `user` may apply to `record` now, in the order of the buttons."""
    if record is None or record.pk is None:
        return []
    return [t for t in TRANSITIONS.values() if refusal(t.name, user, record) is None]


def change_reason(transition, comment):
    label = ReviewStep.Action(transition.action).label
    return f"{label}{NNBSP}: {comment}" if comment else label


def perform(name, record, user, comment="", *, also_publish=()):
    """Apply transition `name` to `record` for `user`, in one transaction; publishing may take
    linked records along (`also_publish`, each checked like the record). Returns the step."""
    transition = TRANSITIONS[name]
    comment = (comment or "").strip()
    model = type(record)
    with transaction.atomic(using=router.db_for_write(model)):
        for linked in also_publish:
            _apply(TRANSITIONS["publish"], linked, user, f"Publié avec « {record} »")
        step = _apply(transition, record, user, comment)
    return step


def _apply(transition, record, user, comment):
    model = type(record)
    current = model._default_manager.select_for_update(of=("self",)).get(pk=record.pk)
    refused = refusal(transition.name, user, current)
    if refused is not None:
        raise refused
    addressed_to = None
    if transition.name == "request_changes":
        addressed_to = (
            ReviewStep.objects.of(current)
            .filter(action=ReviewStep.Action.SUBMIT)
            .values_list("user", flat=True)
            .first()
        )
    if transition.target is not None:
        current.set_publication_state(transition.target)
    if transition.name == "verify":
        current.last_verified = timezone.localdate()
    current._change_reason = change_reason(transition, comment)
    current._history_user = user
    current.save()
    step = ReviewStep.objects.create(
        record=current,
        action=transition.action,
        comment=comment,
        user=user,
        addressed_to_id=addressed_to,
    )
    for name in ("publication_state", "published_at", "last_verified", "updated_at"):
        setattr(record, name, getattr(current, name))
    if transition.name == "submit":
        from initiatives import notifications  # it renders mail: loaded when needed

        transaction.on_commit(lambda: notifications.notify_submission(step.pk))
    return step


def bulk(name, records, user, comment=""):
    """Apply a transition to each record (one transaction each); returns (done, refusals) where
    refusals maps a reason (one, several) to the records refused for it."""
    done = []
    refused = defaultdict(list)
    for record in records:
        try:
            perform(name, record, user, comment)
        except TransitionRefused as error:
            refused[error.reason].append(record)
        else:
            done.append(record)
    return done, refused


def bulk_message(name, done, refused):
    """ "2 fiches publiées." or "Aucune fiche envoyée en relecture : 3 fiches sélectionnées sont
    déjà publiées." """
    one, several = TRANSITIONS[name].done
    count = len(done)
    head = (
        f"Aucune fiche {one}" if count == 0 else plural(count, f"fiche {one}", f"fiches {several}")
    )
    reasons = [
        f"{plural(len(records), 'fiche sélectionnée', 'fiches sélectionnées')} "
        f"{phrase[0] if len(records) == 1 else phrase[1]}"
        for phrase, records in refused.items()
    ]
    if not reasons:
        return f"{head}."
    return f"{head}{NNBSP}: {f'{NNBSP}; '.join(reasons)}."


# Linked records a public page shows only once they are published: registered per model by the
# app that knows the link (actors registers the actors of an initiative: apps import downward).
LINKS = defaultdict(list)


@dataclass
class LinkGroup:
    label: str  # "Organisations (rôles et financements)"
    consequence: str  # what the public page lacks while they are not published, as a sentence
    records: list = field(default_factory=list)
    missing: str = "Absents de sa page publique\u202f:"  # before their names, once published


def links(model):
    """Register `function(record) -> LinkGroup` as a kind of link of `model`."""

    def register(function):
        LINKS[model].append(function)
        return function

    return register


def unpublished_links(record):
    """The groups of linked records that are not published, each with its consequence."""
    groups = [group(record) for group in LINKS.get(type(record), [])]
    return [group for group in groups if group.records]


def link_key(record):
    return f"{record._meta.label_lower}:{record.pk}"


def missing_after(record, groups, chosen):
    """French sentences saying what the public page of `record` will lack."""
    sentences = []
    for group in groups:
        left = [linked for linked in group.records if link_key(linked) not in chosen]
        if left:
            names = ", ".join(
                f"« {linked} » ({linked.get_publication_state_display().lower()})"
                for linked in left
            )
            sentences.append(f"{group.missing} {names}.")
    return sentences


NOT_SHOWN = "Tant qu'ils ne sont pas publiés, ils n'apparaissent pas sur la page publique."


def non_published(queryset):
    return list(queryset.exclude(publication_state=State.PUBLISHED))


def _register_own_links():
    from initiatives.models import Initiative

    @links(Initiative)
    def parents(initiative):
        ancestors = [a for a in initiative.ancestors() if not a.is_published]
        return LinkGroup(
            "Initiatives parentes",
            "Tant qu'elles ne sont pas publiées, cette initiative n'est pas visible du public.",
            ancestors,
            missing="Pas visible du public tant que ne sont pas publiées\u202f:",
        )

    @links(Initiative)
    def documents(initiative):
        return LinkGroup(
            "Documents",
            NOT_SHOWN,
            non_published(initiative.documents.all()),
        )


_register_own_links()
