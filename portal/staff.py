"""The staff groups and what each may do; safe to run again. Migration 0001 keeps a frozen copy
(a migration never imports live code); tests that flush the database resync the groups here."""

REGISTRY_APPS = ("initiatives", "actors")
PUBLISHABLE = {
    "initiatives": ("initiative", "document"),
    "actors": ("organisation", "person"),
}
WRITER = "Rédacteur"
REVIEWER = "Relecteur"
ADMINISTRATOR = "Administrateur"
# Erasing a person, or exporting all their data, answers a data-protection request: rare,
# irreversible or revealing, so kept to the group that also manages accounts.
ADMINISTRATORS_ONLY = (
    "erase_person", "add_erasure", "change_erasure", "delete_erasure", "view_erasure",
)  # fmt: skip


def sync_staff_groups(apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    registry = Permission.objects.filter(content_type__app_label__in=REGISTRY_APPS)
    administrator = Permission.objects.filter(
        content_type__app_label__in=(*REGISTRY_APPS, "auth", "simple_history")
    )
    registry = registry.exclude(codename__in=ADMINISTRATORS_ONLY)
    publishing = [f"publish_{model}" for models in PUBLISHABLE.values() for model in models]
    main_models = [model for models in PUBLISHABLE.values() for model in models]

    # Rédacteur: create and edit, delete only the parts of a record (milestones, roles…).
    writer = registry.exclude(codename__in=publishing).exclude(
        codename__in=[f"delete_{model}" for model in main_models]
    )
    reviewer = registry  # also publish, archive and delete
    for name, permissions in (
        (WRITER, writer),
        (REVIEWER, reviewer),
        (ADMINISTRATOR, administrator),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


VERBS = {"add": "ajouter", "change": "modifier", "delete": "supprimer", "view": "voir"}


def name_permissions_in_french(app_config=None, using="default", apps=None, **kwargs):
    """Django names the default permissions in English ("Can add initiative") and stores the
    names: they are renamed after each migration, from the models' French names."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission

    if app_config is not None:
        # Django's own handler may come after this one: the app's permissions exist first.
        create_permissions(app_config, verbosity=0, using=using, apps=apps or global_apps())
    renamed = []
    for permission in Permission.objects.using(using).select_related("content_type"):
        verb = VERBS.get(permission.codename.split("_", 1)[0])
        model = permission.content_type.model_class()
        if verb is None or model is None:
            continue
        if (
            permission.codename
            != f"{permission.codename.split('_', 1)[0]}_{model._meta.model_name}"
        ):
            continue  # a permission of ours, already named
        name = f"Peut {verb} «\u202f{model._meta.verbose_name}\u202f»"[:255]
        if permission.name != name:
            permission.name = name
            renamed.append(permission)
    Permission.objects.using(using).bulk_update(renamed, ["name"])


def global_apps():
    from django.apps import apps

    return apps
