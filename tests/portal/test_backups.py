import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from initiatives.models import Document
from portal.backups import BackupError, backup, connect, restore


def fingerprint(database):
    """Every public table's rows, as one checksum per table."""
    with connect(database) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{table}" t'
            ).fetchone()
            for table in tables
        }


@pytest.fixture
def empty_database():
    source = connection.settings_dict
    target = {**source, "NAME": f"{source['NAME']}_restore"}
    with connect(source, dbname="postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{target["NAME"]}"')
    yield target
    with connect(source, dbname="postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_the_seed_data(tmp_path, settings, empty_database):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", verbosity=0)
    Document.objects.create(
        title="Livre Blanc numérisé", slug="livre-blanc-pdf", kind="white_paper",
        file=SimpleUploadedFile("livre-blanc.pdf", b"%PDF-1.7\n"),
    )  # fmt: skip
    archive = backup(connection.settings_dict, settings.MEDIA_ROOT, tmp_path / "backup.tar.gz")

    restored_media = tmp_path / "restored-media"
    restore(archive, empty_database, restored_media)

    original = fingerprint(connection.settings_dict)
    assert fingerprint(empty_database) == original
    assert original["initiatives_initiative"][0] >= 19
    assert (restored_media / "documents").is_dir()
    [restored_file] = (restored_media / "documents").rglob("*.pdf")
    assert restored_file.read_bytes() == b"%PDF-1.7\n"


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    archive = backup(connection.settings_dict, tmp_path / "media", tmp_path / "backup.tar.gz")
    with pytest.raises(BackupError, match="n'est pas vide"):
        restore(archive, connection.settings_dict, tmp_path / "media")
