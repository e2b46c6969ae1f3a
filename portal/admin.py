"""The staff accounts in the admin: whether each has a second factor, and the administrators'
answer to a lost phone. django-otp's own device pages are not shown: a secret or a recovery
code is never displayed to anyone but its owner, once (portal.two_factor). And the admin
additions that sit above the registry's apps (imported by the admin's autodiscovery)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import privacy  # noqa: F401  (the person's data-protection actions, the erasure log)
from portal.two_factor import reset_second_factor

User = get_user_model()

admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
admin.site.unregister(User)


@admin.register(User)
class StaffAccountAdmin(UserAdmin):
    list_display = [*UserAdmin.list_display, "has_second_factor"]
    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(second_factor=Exists(devices))

    @admin.display(boolean=True, description="double authentification", ordering="second_factor")
    def has_second_factor(self, user):
        return user.second_factor

    @admin.action(
        description="Réinitialiser la double authentification (téléphone perdu)",
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            reset_second_factor(user, request)
        if len(queryset) == 1:
            done = "pour 1 compte : il l'activera de nouveau"
        else:
            done = f"pour {len(queryset)} comptes : chacun l'activera de nouveau"
        messages.success(
            request, f"Double authentification réinitialisée {done} à sa prochaine connexion."
        )
