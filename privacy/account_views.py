"""allauth's sign-up, login and password-reset pages, answering a refused form with 400.

allauth re-renders an invalid form with 200; for the shop's rule "bad input gets a 4xx" (and
for monitoring, which counts refused posts) the same page goes out as 400. Everything else,
including allauth's rate limits (429, core.allauth_adapter), is allauth's own behaviour."""

from typing import Any

from allauth.account import views as allauth_views
from django.http import HttpResponse


class RefusedFormIs400:
    def form_invalid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)  # type: ignore[misc]
        if response.status_code == 200:  # the form shown again with its errors
            response.status_code = 400
        return response


class SignupView(RefusedFormIs400, allauth_views.SignupView):
    pass


class LoginView(RefusedFormIs400, allauth_views.LoginView):
    pass


class PasswordResetView(RefusedFormIs400, allauth_views.PasswordResetView):
    pass
