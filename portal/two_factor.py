"""The staff's sign-in in two steps: the password, then a code from an authenticator app (TOTP)
or a single-use recovery code. Required for Relecteur, Administrateur and superusers, whose
accounts publish in the Region's name; offered to Rédacteur, and asked of anyone who enrolled.

The password step signs nobody in while a second factor is due: it only notes, in the session,
who passed it and when (`PENDING`). Django's `login()` runs once the code is right, so that the
session is renewed, django-axes resets its count and the sign-in is logged only then. A wrong code
is a failed sign-in for axes (`user_login_failed`): five of them lock the account for this
address as five wrong passwords do, and django-otp slows each device down on top of that.
"""

import time

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import staff
from portal.security import audit

PENDING = "registre_second_factor_pending"
RECOVERY_CODES = 10
APP_DEVICE_NAME = "Application d'authentification"
RECOVERY_DEVICE_NAME = "Codes de secours"


def second_factor_required(user):
    """Whether this account may only work once a second factor is verified."""
    if not user.is_authenticated:
        return False
    return role_requires_second_factor(user) or has_authenticator(user)


def role_requires_second_factor(user):
    """Superusers, Relecteur and Administrateur: their accounts publish in the Region's name."""
    return (
        user.is_superuser
        or user.groups.filter(name__in=(staff.REVIEWER, staff.ADMINISTRATOR)).exists()
    )


def has_authenticator(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_satisfied(request):
    """The admin's permission check: a verified second factor, or an account that needs none.
    Asked several times a request by the admin, answered once."""
    if not hasattr(request, "_second_factor_satisfied"):
        request._second_factor_satisfied = _satisfied(request.user)
    return request._second_factor_satisfied


def _satisfied(user):
    return not user.is_authenticated or user.is_verified() or not second_factor_required(user)


# The pages a staff member whose second factor is due may see, signed in.
SECOND_FACTOR_PAGES = ("admin:login", "admin:logout", "admin:second_factor", "admin:two_factor")


class SecondFactorMiddleware:
    """Until their second factor is verified, the accounts that need one are anonymous
    everywhere but on the pages that ask for it: not only in the admin (its has_permission says
    the same) but on the public pages too, where staff preview unpublished records.

    Lazily, as Django's own request.user: a page that never reads the user never reads the
    session either (and does not vary on Cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user

        def checked_user():
            request._second_factor_satisfied = satisfied = _satisfied(user)
            pages = {reverse(name) for name in SECOND_FACTOR_PAGES}
            return user if satisfied or request.path_info in pages else AnonymousUser()

        request.user = SimpleLazyObject(checked_user)
        return self.get_response(request)


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def new_recovery_codes(user):
    """Ten fresh single-use codes, replacing any left: shown once, never again."""
    device, _ = StaticDevice.objects.update_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def qr_code_svg(device):
    """The enrolment QR code, drawn here: the secret never leaves our server for an image."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title="Code QR à scanner avec votre application d'authentification"
    )


def grouped_secret(device):
    """The secret in base 32, by groups of four, for typing it into an app by hand."""
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def verify_code(user, code):
    """The device that accepts this code (an authenticator's or a recovery code), or None.
    The devices are locked while checking, so that a code is never accepted twice."""
    code = "".join(code.split()).lower()
    with transaction.atomic():
        for model in (TOTPDevice, StaticDevice):
            for device in model.objects.filter(user=user, confirmed=True).select_for_update():
                if device.verify_token(code):
                    return device
    return None


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        help_text=(
            "Les 6 chiffres affichés par votre application d'authentification, "
            "ou l'un de vos codes de secours."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "spellcheck": "false",
                "aria-describedby": "code-help",
            }
        ),
    )


def _safe_next(request, url):
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else reverse("admin:index")


class StaffLoginView(LoginView):
    """The admin's password step; the code step follows when the account has a second factor."""

    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"

    def form_valid(self, form):
        user = form.get_user()
        next_url = _safe_next(self.request, self.get_redirect_url())
        if has_authenticator(user):
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "since": time.time(),
                "next": next_url,
            }
            return redirect("admin:second_factor")
        auth_login(self.request, user)
        if second_factor_required(user):
            messages.warning(
                self.request,
                "Votre rôle exige la double authentification : activez-la pour continuer.",
            )
            return redirect("admin:two_factor")
        return redirect(next_url)


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > settings.SECOND_FACTOR_PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _lockout(request, username):
    # django-axes's middleware answers in place of this response, with its lockout page.
    request.axes_locked_out = True
    request.axes_credentials = {"username": username}
    request.session.pop(PENDING, None)
    return HttpResponse(status=429)


@sensitive_post_parameters("code")
@never_cache
def second_factor_view(request, admin_site):
    """The code step: the password was right a moment ago; now the code."""
    from axes.handlers.proxy import AxesProxyHandler

    user, pending = _pending_user(request)
    if user is None:
        messages.error(
            request, "Votre connexion a expiré : saisissez de nouveau votre mot de passe."
        )
        return redirect("admin:login")
    credentials = {"username": user.get_username()}
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if AxesProxyHandler.is_locked(request, credentials):
            return _lockout(request, user.get_username())
        if form.is_valid():
            device = verify_code(user, form.cleaned_data["code"])
            if device is not None:
                return _signed_in(request, user, pending, device)
            form.add_error("code", "Code incorrect ou expiré : vérifiez-le et réessayez.")
        user_login_failed.send(
            sender=__name__, credentials={**credentials, "second_factor": True}, request=request
        )
        if AxesProxyHandler.is_locked(request, credentials):
            return _lockout(request, user.get_username())
    context = {
        **admin_site.each_context(request),
        "title": "Vérification en deux étapes",
        "form": form,
        "pending_username": user.get_username(),
    }
    return TemplateResponse(request, "admin/second_factor.html", context)


def _signed_in(request, user, pending, device):
    request.session.pop(PENDING, None)
    user.backend = pending["backend"]
    auth_login(request, user)
    otp_login(request, device)
    request.__dict__.pop("_second_factor_satisfied", None)
    recovery = isinstance(device, StaticDevice)
    audit(
        "second_factor_ok",
        request,
        user.get_username(),
        method="recovery_code" if recovery else "totp",
    )
    if recovery:
        left = recovery_codes_left(user)
        messages.warning(
            request,
            f"Vous vous êtes connecté avec un code de secours : il vous en reste {left}. "
            "Générez-en de nouveaux depuis « Double authentification ».",
        )
    return redirect(pending["next"])


@sensitive_post_parameters("code")
@never_cache
def two_factor_view(request, admin_site):
    """Enrol an authenticator app (QR code and the secret in text), or, once enrolled, see the
    recovery codes left, make new ones, or turn the second factor off when the role allows."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return redirect(f"{reverse('admin:login')}?next={request.path}")
    enrolled = has_authenticator(user)
    if enrolled and not user.is_verified():
        logout(request)  # a session without its second factor: sign in again, in full
        return redirect("admin:login")
    context = {
        **admin_site.each_context(request),
        "title": "Double authentification",
        "required": role_requires_second_factor(user),
    }
    if enrolled:
        return _manage(request, user, context)
    return _enrol(request, user, context)


def _enrol(request, user, context):
    # The same secret across reloads of the page, until a code confirms it.
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name=APP_DEVICE_NAME)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        code = "".join(form.cleaned_data["code"].split())
        if device.verify_token(code):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            otp_login(request, device)
            request.__dict__.pop("_second_factor_satisfied", None)
            audit("second_factor_enrolled", request, user.get_username())
            codes = new_recovery_codes(user)
            return _show_recovery_codes(request, context, codes)
        form.add_error("code", "Ce code ne correspond pas : vérifiez l'heure de votre téléphone.")
    context |= {"form": form, "qr_code": qr_code_svg(device), "secret": grouped_secret(device)}
    return TemplateResponse(request, "admin/two_factor_enrol.html", context)


def _manage(request, user, context):
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "recovery":
        audit("recovery_codes_renewed", request, user.get_username())
        return _show_recovery_codes(request, context, new_recovery_codes(user))
    if action == "disable" and not context["required"]:
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit("second_factor_disabled", request, user.get_username())
        messages.success(request, "La double authentification est désactivée pour votre compte.")
        return redirect("admin:two_factor")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    context |= {"device": device, "codes_left": recovery_codes_left(user)}
    return TemplateResponse(request, "admin/two_factor_manage.html", context)


def _show_recovery_codes(request, context, codes):
    context |= {"codes": codes, "next": reverse("admin:index")}
    response = TemplateResponse(request, "admin/two_factor_codes.html", context)
    response["Cache-Control"] = "no-store"
    return response


def reset_second_factor(user, request):
    """An administrator's answer to a lost phone: the account enrols again at its next sign-in."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    audit(
        "second_factor_reset",
        request,
        request.user.get_username(),
        account=user.get_username(),
    )
    return removed
