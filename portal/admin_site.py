"""The staff site: Django's admin under our name, with the pages staff need every day."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class RegistreAdminSite(admin.AdminSite):
    site_header = "Registre des initiatives — espace des agents"
    site_title = "Registre des initiatives"
    index_title = "Administration du registre"

    def index(self, request, extra_context=None):
        from portal.dashboard import Dashboard  # models are not ready when the site is made

        context = {"dashboard": Dashboard(request.user), **(extra_context or {})}
        return super().index(request, context)


class RegistreAdminConfig(AdminConfig):
    default_site = "portal.admin_site.RegistreAdminSite"
