"""The staff's password reset by email, Django's views with our limits and our log.

The answer is the same whether the address is known or not (no one learns who has an account);
a link is good once (the new password changes what it was made from) and for
PASSWORD_RESET_TIMEOUT; a new password signs nobody in: the sign-in, second factor included,
follows as usual, and every other session of the account ends with the old password's hash.
"""

from django.contrib.auth import views as auth_views
from django.template.response import TemplateResponse
from django.urls import path, reverse_lazy

from portal.admin_site import RegistreAdminSite
from portal.opendata.access import client_ip, count_in_window, now
from portal.security import audit

REQUESTS_PER_HOUR = 5  # per client address
# Outside the admin site's views, its templates need the site's names said to them.
STAFF_SITE = {
    "site_header": RegistreAdminSite.site_header,
    "site_title": RegistreAdminSite.site_title,
}


class ResetRequestView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    extra_context = STAFF_SITE
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        count = count_in_window(f"password-reset:{client_ip(self.request)}", 3600, now())
        if count > REQUESTS_PER_HOUR:
            return TemplateResponse(
                self.request, "registration/password_reset_too_many.html", status=429
            )
        accounts = [user.get_username() for user in form.get_users(form.cleaned_data["email"])]
        audit("password_reset_requested", self.request, ",".join(accounts), accounts=len(accounts))
        return super().form_valid(form)


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    extra_context = STAFF_SITE
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        audit("password_reset_done", self.request, self.user.get_username())
        return super().form_valid(form)


urlpatterns = [
    path("mot-de-passe-oublie/", ResetRequestView.as_view(), name="admin_password_reset"),
    path(
        "mot-de-passe-oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(extra_context=STAFF_SITE),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe-oublie/<uidb64>/<token>/",
        ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe-oublie/termine/",
        auth_views.PasswordResetCompleteView.as_view(extra_context=STAFF_SITE),
        name="password_reset_complete",
    ),
]
