from django.contrib.auth.management import create_permissions
from django.db import migrations

# What each staff group may do, frozen here as it was when the migration was written: a
# migration never imports live code, which may change after it has run.
REGISTRY_APPS = ("initiatives", "actors")
PUBLISHABLE = {
    "initiatives": ("initiative", "document"),
    "actors": ("organisation", "person"),
}
WRITER = "Rédacteur"
REVIEWER = "Relecteur"
ADMINISTRATOR = "Administrateur"


def sync_staff_groups(apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    registry = Permission.objects.filter(content_type__app_label__in=REGISTRY_APPS)
    publishing = [f"publish_{model}" for models in PUBLISHABLE.values() for model in models]
    main_models = [model for models in PUBLISHABLE.values() for model in models]

    # Rédacteur: create and edit, delete only the parts of a record (milestones, roles…).
    writer = registry.exclude(codename__in=publishing).exclude(
        codename__in=[f"delete_{model}" for model in main_models]
    )
    reviewer = registry  # also publish, archive and delete
    administrator = Permission.objects.filter(
        content_type__app_label__in=(*REGISTRY_APPS, "auth", "simple_history")
    )
    for name, permissions in (
        (WRITER, writer),
        (REVIEWER, reviewer),
        (ADMINISTRATOR, administrator),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


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
