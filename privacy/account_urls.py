"""Account URLs: allauth's, with the three forms customers type into answering 400 when they
refuse the input (privacy.account_views). Mount instead of "allauth.urls"."""

from django.urls import include, path

from privacy import account_views

urlpatterns = [
    path("signup/", account_views.SignupView.as_view(), name="account_signup"),
    path("login/", account_views.LoginView.as_view(), name="account_login"),
    path(
        "password/reset/",
        account_views.PasswordResetView.as_view(),
        name="account_reset_password",
    ),
    path("", include("allauth.urls")),
]
