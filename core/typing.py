"""Types shared by the plugin's apps (core is the lowest layer: it imports no app)."""

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    # django-stubs resolves this to settings.AUTH_USER_MODEL.
    from django.contrib.auth.models import User as Account
else:
    Account = object  # whatever AUTH_USER_MODEL is; used in annotations only


class AuthenticatedRequest(HttpRequest):
    """A request behind login_required: request.user is an account."""

    user: "Account"


__all__ = ["Account", "AuthenticatedRequest"]
