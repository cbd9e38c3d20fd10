"""Create a staff user in one role: `manage.py create_staff_user USERNAME --email E --role R`.

The password comes from the environment variable named by `--password-from-env` (for scripts),
or is prompted for twice when run in a terminal; it must pass the password validators. The user
gets `is_staff` and exactly one role group (Editors, Campaigners or Finance), never superuser.
"""

import getpass
import os
import sys

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from staff.roles import ROLE_GROUPS


class Command(BaseCommand):
    help = (
        "Create a staff user in one role (editor, campaigner or finance). The password is read "
        "from --password-from-env VAR, or prompted for in a terminal."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--role",
            required=True,
            help=f"One of: {', '.join(ROLE_GROUPS)}.",
        )
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Name of an environment variable holding the password.",
        )

    def handle(self, *args, username, email, role, password_from_env, **options):
        group_name = ROLE_GROUPS.get(role.lower())
        if group_name is None:
            raise CommandError(f"Unknown role {role!r}; choose one of: {', '.join(ROLE_GROUPS)}.")
        try:
            group = Group.objects.get(name=group_name)
        except Group.DoesNotExist:
            raise CommandError(
                f"Group {group_name!r} is missing: run `manage.py migrate`."
            ) from None

        User = get_user_model()
        if User.objects.filter(username=username).exists():
            # A friendly message only; the unique constraint below is what guarantees it.
            raise CommandError(f"User {username!r} already exists.")

        password = self._password(password_from_env)
        candidate = User(username=username, email=email, is_staff=True)
        try:
            validate_password(password, user=candidate)
        except ValidationError as error:
            raise CommandError("Password rejected: " + " ".join(error.messages)) from None

        with transaction.atomic():
            user = User.objects.create_user(
                username=username, email=email, password=password, is_staff=True
            )
            user.groups.set([group])
            # No one is signed in on the command line: the entry names the new user as actor.
            LogEntry.objects.log_actions(
                user_id=user.pk,
                queryset=[user],
                action_flag=ADDITION,
                change_message=f"Created with manage.py create_staff_user in role {group_name}.",
                single_object=True,
            )
        self.stdout.write(self.style.SUCCESS(f"Created staff user {username!r} in {group_name}."))

    def _password(self, variable):
        if variable:
            password = os.environ.get(variable, "")
            if not password:
                raise CommandError(f"Environment variable {variable} is unset or empty.")
            return password
        if not sys.stdin.isatty():
            raise CommandError("No password: pass --password-from-env VAR or run in a terminal.")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords did not match.")
        if not password:
            raise CommandError("The password may not be empty.")
        return password
