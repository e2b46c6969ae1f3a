# The API lists read from any cursor in their order, on an index (portal.opendata.api.cursors).

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0019_territory_gender'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['sort_key', 'id'], name='initiatives_event_order'),
        ),
        migrations.AddIndex(
            model_name='listing',
            index=models.Index(django.db.models.functions.comparison.Coalesce('start', models.Value('9999'), output_field=models.CharField()), models.F('sort_key'), models.F('initiative'), name='initiatives_listing_debut'),
        ),
        migrations.AddIndex(
            model_name='territory',
            index=models.Index(fields=['sort_key', 'id'], name='initiatives_territory_order'),
        ),
    ]
