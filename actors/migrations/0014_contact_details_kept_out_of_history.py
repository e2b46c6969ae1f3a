from django.db import migrations

# This migration carries its own SQL: it must not change when the application code does.
#
# A person's email and phone are personal data: a version of the person keeps them only while
# the person has consented (that version's consent and the person's consent today). Kept by
# PostgreSQL, so that QuerySet.update(), raw SQL, cascades and bulk loads obey it too.

CONTACT_KEPT_OUT = """
-- A version holds contact details only if it records consent and the person still consents
-- (a deletion's version, or a version of a deleted person, never does).
CREATE FUNCTION actors_historicalperson_contact_kept_out() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.email <> '' OR NEW.phone <> '') AND NOT (
        NEW.contact_consent
        AND NEW.history_type <> '-'
        AND EXISTS (SELECT FROM actors_person p WHERE p.id = NEW.id AND p.contact_consent)
    ) THEN
        NEW.email := '';
        NEW.phone := '';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER actors_historicalperson_contact_kept_out
BEFORE INSERT OR UPDATE ON actors_historicalperson
FOR EACH ROW EXECUTE FUNCTION actors_historicalperson_contact_kept_out();

-- Consent withdrawn, or the person deleted: every version forgets their contact details.
CREATE FUNCTION actors_person_contact_forgotten() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE actors_historicalperson SET email = '', phone = ''
    WHERE id = OLD.id AND (email <> '' OR phone <> '');
    RETURN NULL;
END $$;

CREATE TRIGGER actors_person_consent_withdrawn
AFTER UPDATE OF contact_consent ON actors_person
FOR EACH ROW WHEN (OLD.contact_consent AND NOT NEW.contact_consent)
EXECUTE FUNCTION actors_person_contact_forgotten();

CREATE TRIGGER actors_person_deleted_contact_forgotten
AFTER DELETE ON actors_person
FOR EACH ROW EXECUTE FUNCTION actors_person_contact_forgotten();

-- What history kept before this rule.
UPDATE actors_historicalperson h SET email = '', phone = ''
WHERE (h.email <> '' OR h.phone <> '') AND NOT (
    h.contact_consent
    AND h.history_type <> '-'
    AND EXISTS (SELECT FROM actors_person p WHERE p.id = h.id AND p.contact_consent)
);
"""

DROP = """
DROP TRIGGER IF EXISTS actors_person_deleted_contact_forgotten ON actors_person;
DROP TRIGGER IF EXISTS actors_person_consent_withdrawn ON actors_person;
DROP FUNCTION IF EXISTS actors_person_contact_forgotten();
DROP TRIGGER IF EXISTS actors_historicalperson_contact_kept_out ON actors_historicalperson;
DROP FUNCTION IF EXISTS actors_historicalperson_contact_kept_out();
"""


class Migration(migrations.Migration):
    dependencies = [("actors", "0013_involvement_org_initiative_index")]

    operations = [migrations.RunSQL(CONTACT_KEPT_OUT, DROP)]
