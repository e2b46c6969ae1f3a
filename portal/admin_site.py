"""The staff site: Django's admin under our name, with the pages staff need every day."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST


class RegistreAutocompleteJsonView(AutocompleteJsonView):
    """Suggestions that say what each record is ("Pas-de-Calais — département,
    Hauts-de-France"), exact and prefix matches first (the programme "TESR" before its
    operations), found without regard to accents (see initiatives.admin_search)."""

    def get_queryset(self):
        # This module is loaded with the app registry, before any model can be imported.
        from initiatives.admin_search import closeness

        queryset = super().get_queryset()
        model = queryset.model
        related = getattr(model, "autocomplete_select_related", ())
        if related:
            queryset = queryset.select_related(*related)
        if not self.term:
            return queryset
        ordering = queryset.query.order_by or model._meta.ordering or ["pk"]
        return queryset.alias(closeness=closeness(model, self.term)).order_by(
            "closeness", *ordering, "pk"
        )

    def serialize_result(self, obj, to_field_name):
        label = getattr(obj, "autocomplete_label", None)
        return {"id": str(getattr(obj, to_field_name)), "text": label() if label else str(obj)}


class RegistreAdminSite(admin.AdminSite):
    site_header = "Registre des initiatives — espace des agents"
    site_title = "Registre des initiatives"
    index_title = "Administration du registre"

    def index(self, request, extra_context=None):
        from portal.dashboard import Dashboard  # models are not ready when the site is made

        context = {"dashboard": Dashboard(request.user), **(extra_context or {})}
        return super().index(request, context)

    def has_permission(self, request):
        from portal.two_factor import second_factor_satisfied

        return super().has_permission(request) and second_factor_satisfied(request)

    def login(self, request, extra_context=None):
        """The password step of portal.two_factor; a staff member signed in whose second factor
        is due is sent to it rather than asked for a password again."""
        from portal.two_factor import StaffLoginView, has_authenticator

        user = request.user
        if request.method == "GET" and user.is_active and user.is_staff:
            if self.has_permission(request):
                return redirect("admin:index")
            if not has_authenticator(user):
                return redirect("admin:two_factor")
            logout(request)  # a session without its second factor: sign in again, in full
        context = {
            **self.each_context(request),
            "title": "Connexion",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": user.get_username(),
            **(extra_context or {}),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        request.current_app = self.name
        return StaffLoginView.as_view(extra_context=context)(request)

    def get_urls(self):
        from portal import two_factor

        own = [
            path(
                "controle-des-donnees/",
                self.admin_view(self.data_checks_view),
                name="data_checks",
            ),
            # Not behind admin_view: they are how a staff member gets its permission.
            path(
                "connexion/code/",
                never_cache(two_factor.second_factor_view),
                {"admin_site": self},
                name="second_factor",
            ),
            path(
                "double-authentification/",
                never_cache(two_factor.two_factor_view),
                {"admin_site": self},
                name="two_factor",
            ),
            path("mes-sessions/", self.admin_view(self.my_sessions_view), name="my_sessions"),
            path(
                "mes-sessions/deconnecter-les-autres/",
                self.admin_view(require_POST(self.end_other_sessions_view)),
                name="end_other_sessions",
            ),
        ]
        return own + super().get_urls()

    def data_checks_view(self, request):
        """The inconsistencies staff must fix, each with a link to its record."""
        from portal.data_checks import run_checks  # models are not ready when the site is made

        results = run_checks(timezone.localdate())
        context = {
            **self.each_context(request),
            "title": "Contrôle des données",
            "results": results,
            "total": sum(len(findings) for _, findings in results),
        }
        return TemplateResponse(request, "admin/data_checks.html", context)

    def my_sessions_view(self, request):
        """The user's signed-in sessions, and a button that ends the others."""
        from portal.staff_sessions import sessions_of  # models are not ready either

        context = {
            **self.each_context(request),
            "title": "Mes sessions",
            "sessions": sessions_of(request),
            "idle_minutes": settings.STAFF_IDLE_MINUTES,
        }
        return TemplateResponse(request, "admin/my_sessions.html", context)

    def end_other_sessions_view(self, request):
        from portal.staff_sessions import end_other_sessions

        count = end_other_sessions(request)
        if count:
            ended = "1 autre session" if count == 1 else f"{count} autres sessions"
            messages.success(request, f"{ended} déconnectée{'s' if count > 1 else ''}.")
        else:
            messages.info(request, "Aucune autre session n'était ouverte.")
        return redirect("admin:my_sessions")

    def autocomplete_view(self, request):
        return RegistreAutocompleteJsonView.as_view(admin_site=self)(request)


class RegistreAdminConfig(AdminConfig):
    default_site = "portal.admin_site.RegistreAdminSite"
