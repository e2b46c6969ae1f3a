# The API lists read from any cursor in their order, on an index (portal.opendata.api.cursors).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('actors', '0016_contact_details_kept_out_of_decided_proposals'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='organisation',
            index=models.Index(fields=['sort_key', 'id'], name='actors_organisation_order'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['sort_key', 'first_name', 'id'], name='actors_person_order'),
        ),
    ]
