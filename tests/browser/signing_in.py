"""The admin's sign-in in a browser, second factor included, for every journey."""


def second_factor_code(username):
    """The code the staff member's authenticator app shows now (enrolling one if they have
    none), computed by pyotp; the next time step when this one was used already."""
    import time
    from base64 import b32encode

    import pyotp
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="application", confirmed=True)
    step = max(int(time.time()) // device.step, device.last_t + 1)
    return pyotp.TOTP(b32encode(device.bin_key).decode()).at(step * device.step)


def sign_in(page, site, username, password):
    """The admin's sign-in as a person does it: the password, then the second factor's code
    when the account has one or its role requires it."""
    from django.contrib.auth.models import User

    from portal.two_factor import second_factor_required

    needs_code = second_factor_required(User.objects.get(username=username))
    code = second_factor_code(username) if needs_code else None
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    if code:
        page.fill("#id_code", code)
        page.click("#second-factor-form input[type=submit]")
