from django.db import migrations


def unlogged(apps, schema_editor):
    """The cache's table needs no write-ahead log: an entry lost in a crash is computed again,
    and each uncached page would otherwise wait for a log flush when it is stored."""
    from django.conf import settings

    for cache in settings.CACHES.values():
        if cache["BACKEND"].endswith(("DatabaseCache", "PostgresCache")):
            table = schema_editor.quote_name(cache["LOCATION"])
            schema_editor.execute(f"ALTER TABLE IF EXISTS {table} SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_public_changes_noted_by_database")]

    operations = [migrations.RunPython(unlogged, migrations.RunPython.noop)]
