from django.db import migrations

# This migration carries its own SQL: it must not change when the application code does.
#
# A proposed change to a person keeps the submitted form, email and phone included. Once
# decided (published or withdrawn) it is a record of the past, like a version: it keeps them
# only while the person consents. A pending proposal (open or sent back) is an edit not yet
# made and keeps what the record itself will hold; an erasure deletes it.

KEPT_OUT = """
CREATE FUNCTION actors_person_proposal_may_keep_contact(proposal initiatives_proposal)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT proposal.state NOT IN ('published', 'withdrawn')
        OR NOT EXISTS (
            SELECT FROM django_content_type t
            WHERE t.id = proposal.content_type_id AND t.app_label = 'actors'
                AND t.model = 'person'
        )
        OR EXISTS (
            SELECT FROM actors_person p WHERE p.id = proposal.object_id AND p.contact_consent
        )
$$;

CREATE FUNCTION initiatives_proposal_contact_kept_out() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.data ? 'email' OR NEW.data ? 'phone')
        AND NOT actors_person_proposal_may_keep_contact(NEW) THEN
        NEW.data := NEW.data - 'email' - 'phone';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER initiatives_proposal_contact_kept_out
BEFORE INSERT OR UPDATE ON initiatives_proposal
FOR EACH ROW EXECUTE FUNCTION initiatives_proposal_contact_kept_out();

-- Consent withdrawn, or the person deleted: their versions and decided proposals forget.
CREATE OR REPLACE FUNCTION actors_person_contact_forgotten() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE actors_historicalperson SET email = '', phone = ''
    WHERE id = OLD.id AND (email <> '' OR phone <> '');
    UPDATE initiatives_proposal SET data = data - 'email' - 'phone'
    WHERE object_id = OLD.id AND state IN ('published', 'withdrawn')
        AND (data ? 'email' OR data ? 'phone')
        AND content_type_id IN (
            SELECT id FROM django_content_type WHERE app_label = 'actors' AND model = 'person'
        );
    RETURN NULL;
END $$;

UPDATE initiatives_proposal SET data = data - 'email' - 'phone'
WHERE (data ? 'email' OR data ? 'phone')
    AND NOT actors_person_proposal_may_keep_contact(initiatives_proposal);
"""

DROP = """
CREATE OR REPLACE FUNCTION actors_person_contact_forgotten() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE actors_historicalperson SET email = '', phone = ''
    WHERE id = OLD.id AND (email <> '' OR phone <> '');
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS initiatives_proposal_contact_kept_out ON initiatives_proposal;
DROP FUNCTION IF EXISTS initiatives_proposal_contact_kept_out();
DROP FUNCTION IF EXISTS actors_person_proposal_may_keep_contact(initiatives_proposal);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0015_erasure_log"),
        ("initiatives", "0012_proposals"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunSQL(KEPT_OUT, DROP)]
