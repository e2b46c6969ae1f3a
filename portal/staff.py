"""The staff groups and the records they work on. What each group may do is set by the
migrations that create and change the groups (portal/migrations/0001_staff_groups.py): a new
permission for a group needs a new migration."""

REGISTRY_APPS = ("initiatives", "actors")
WRITER = "Rédacteur"
REVIEWER = "Relecteur"
ADMINISTRATOR = "Administrateur"
