from django.db import migrations


def fill(apps, schema_editor):
    from actors import listing

    listing.refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0004_fill_listing"),
        ("initiatives", "0006_listing_totals"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
