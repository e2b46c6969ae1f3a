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
