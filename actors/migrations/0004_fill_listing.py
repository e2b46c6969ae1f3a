from django.db import migrations


def fill(apps, schema_editor):
    from actors import listing

    listing.refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0003_full_text_search"),
        ("initiatives", "0005_listing"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
