"""The staff password reset: Django's own form, sending only to active staff accounts."""

from django.contrib.auth.forms import PasswordResetForm


class StaffPasswordResetForm(PasswordResetForm):
    """Sends the reset link only to active staff with a usable password.

    Nobody else has an account here, but a supporter address that became a user by mistake
    must not get a link into the admin. Like Django's form, it says nothing about whether the
    address was found.
    """

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.is_staff)
