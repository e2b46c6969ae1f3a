"""A person's email and phone never stay in their history (nor in decided proposals) without
consent, whatever writes it: the rule is PostgreSQL's (actors migrations 0014 and 0016), so it
holds for save(), update(), raw SQL, bulk loads and deletion alike."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from actors.models import Person
from initiatives.models import Proposal

pytestmark = pytest.mark.django_db

EMAIL = "camille.secrete@example.org"
PHONE = "06 12 34 56 78"


def kept(person_id):
    """(email, phone) of every version of the person, oldest first."""
    return list(
        Person.history.filter(id=person_id)
        .order_by("history_date", "history_id")
        .values_list("email", "phone")
    )


def consenting(make_person):
    return make_person(
        email=EMAIL,
        phone=PHONE,
        contact_consent=True,
        consent_recorded_on=datetime.date(2026, 1, 5),
    )


def test_save_without_consent_keeps_no_contact_in_history(make_person):
    person = make_person(email=EMAIL, phone=PHONE)
    person.biography = "Nouvelle présentation"
    person.save()
    assert kept(person.pk) == [("", ""), ("", "")]
    person.refresh_from_db()
    assert (person.email, person.phone) == (EMAIL, PHONE)  # the record itself keeps them


def test_save_with_consent_keeps_contact_in_history(make_person):
    person = consenting(make_person)
    assert kept(person.pk) == [(EMAIL, PHONE)]


def test_withdrawal_by_save_purges_every_version(make_person):
    person = consenting(make_person)
    person.biography = "Deuxième version"
    person.save()
    person.contact_consent = False
    person.consent_recorded_on = None
    person.save()
    assert kept(person.pk) == [("", "")] * 3


def test_withdrawal_by_queryset_update_purges_every_version(make_person):
    person = consenting(make_person)
    Person.objects.filter(pk=person.pk).update(contact_consent=False, consent_recorded_on=None)
    assert kept(person.pk) == [("", "")]


def test_withdrawal_by_raw_sql_purges_every_version(make_person):
    person = consenting(make_person)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE actors_person SET contact_consent = false, consent_recorded_on = NULL "
            "WHERE id = %s",
            [person.pk],
        )
    assert kept(person.pk) == [("", "")]


def test_raw_sql_cannot_put_contact_back_into_history(make_person):
    person = make_person(email=EMAIL, phone=PHONE)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE actors_historicalperson SET email = %s, phone = %s, contact_consent = true "
            "WHERE id = %s",
            [EMAIL, PHONE, person.pk],
        )
    assert kept(person.pk) == [("", "")]


def test_bulk_created_versions_keep_no_contact_without_consent(make_person):
    person = make_person()
    version = Person.history.get(id=person.pk)
    copies = []
    for consent in (False, True):  # the version says consent, the person does not
        copy = Person.history.model(
            **{
                field.attname: getattr(version, field.attname)
                for field in Person.history.model._meta.concrete_fields
                if field.attname != "history_id"
            }
        )
        copy.email, copy.phone, copy.contact_consent = EMAIL, PHONE, consent
        copy.consent_recorded_on = datetime.date(2026, 1, 5) if consent else None
        copies.append(copy)
    Person.history.model.objects.bulk_create(copies)
    assert set(kept(person.pk)) == {("", "")}


def test_deletion_purges_every_version(make_person):
    person = consenting(make_person)
    person_id = person.pk
    person.delete()
    assert kept(person_id) == [("", ""), ("", "")]  # the creation and the deletion


def test_queryset_deletion_purges_every_version(make_person):
    person = consenting(make_person)
    Person.objects.filter(pk=person.pk).delete()
    assert set(kept(person.pk)) == {("", "")}


def proposal_of(person, state, **data):
    return Proposal.objects.create(
        content_type=ContentType.objects.get_for_model(Person),
        object_id=person.pk,
        state=state,
        data={"last_name": [person.last_name], **data},
    )


def test_a_decided_proposal_keeps_no_contact_without_consent(make_person):
    person = make_person(email=EMAIL, phone=PHONE)
    pending = proposal_of(person, Proposal.State.OPEN, email=[EMAIL], phone=[PHONE])
    published = proposal_of(person, Proposal.State.PUBLISHED, email=[EMAIL], phone=[PHONE])
    pending.refresh_from_db()
    published.refresh_from_db()
    assert pending.data["email"] == [EMAIL]  # an edit not yet made: the record will hold it
    assert set(published.data) == {"last_name"}
    Proposal.objects.filter(pk=pending.pk).update(state=Proposal.State.WITHDRAWN)
    pending.refresh_from_db()
    assert set(pending.data) == {"last_name"}


def test_withdrawal_purges_decided_proposals(make_person):
    person = consenting(make_person)
    published = proposal_of(person, Proposal.State.PUBLISHED, email=[EMAIL], phone=[PHONE])
    published.refresh_from_db()
    assert published.data["email"] == [EMAIL]  # consented
    Person.objects.filter(pk=person.pk).update(contact_consent=False, consent_recorded_on=None)
    published.refresh_from_db()
    assert set(published.data) == {"last_name"}
