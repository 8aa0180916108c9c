"""Demo data for a fresh machine: the site's domain and a staff login, printed once."""

import os
import secrets
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create demo data and a staff login (prints the password when it creates one)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--domain", default="127.0.0.1:8000")
        parser.add_argument("--email", default="staff@example.com")

    def handle(self, *args: Any, domain: str, email: str, **options: Any) -> None:
        Site.objects.update_or_create(pk=1, defaults={"domain": domain, "name": "Mini-Me Merch"})
        User = get_user_model()
        user = User._default_manager.filter(email=email).first()
        if user is None:
            password = os.environ.get("MINIME_DEMO_STAFF_PASSWORD") or secrets.token_urlsafe(12)
            # Any AUTH_USER_MODEL: "staff" as its username, unless the email is the login.
            login = {User.USERNAME_FIELD: "staff" if User.USERNAME_FIELD != "email" else email}
            user = User._default_manager.create_superuser(
                **{"email": email, **login}, password=password
            )
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            self.stdout.write(
                self.style.SUCCESS(f"Staff login for http://{domain}/admin/ : {email} / {password}")
            )
        else:
            self.stdout.write(
                f"Staff login exists: {email} (reset it with: "
                f".venv/bin/python manage.py changepassword {user.get_username()})"
            )
