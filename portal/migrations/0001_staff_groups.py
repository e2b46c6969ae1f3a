from django.contrib.auth.management import create_permissions
from django.db import migrations

from portal.staff import sync_staff_groups


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_staff_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("initiatives", "0002_permissions"),
        ("actors", "0002_permissions"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
