"""Admin additions that sit above the registry's apps (imported by the admin's autodiscovery)."""

from portal import privacy  # noqa: F401  (the person's data-protection actions, the erasure log)
