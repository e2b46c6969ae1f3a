from django.db import migrations


class Migration(migrations.Migration):
    """Filled the listing and its totals with the application's code of the time; the
    database now fills and keeps them itself (0006), so this step does nothing."""

    dependencies = [
        ("actors", "0004_fill_listing"),
        ("initiatives", "0006_listing_totals"),
    ]

    operations = []
