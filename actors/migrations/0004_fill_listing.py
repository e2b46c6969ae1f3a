from django.db import migrations


class Migration(migrations.Migration):
    """Filled the listing; the totals came with initiatives 0006, so 0005 fills both."""

    dependencies = [
        ("actors", "0003_full_text_search"),
        ("initiatives", "0005_listing"),
    ]

    operations = []
