from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here as when written (a migration never imports live code): erasing a person and
# exporting their data belong to the Administrateur group alone.
ADMINISTRATORS_ONLY = (
    "erase_person", "add_erasure", "change_erasure", "delete_erasure", "view_erasure",
)  # fmt: skip
ADMINISTRATOR = "Administrateur"


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs this one now.
    app_config = apps.get_app_config("actors")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    erasing = Permission.objects.filter(
        content_type__app_label="actors", codename__in=ADMINISTRATORS_ONLY
    )
    for group in Group.objects.exclude(name=ADMINISTRATOR):
        group.permissions.remove(*erasing)
    Group.objects.get_or_create(name=ADMINISTRATOR)[0].permissions.add(*erasing)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0009_staff_sessions"),
        ("actors", "0015_erasure_log"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
