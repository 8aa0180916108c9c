from django.urls import path

from privacy import centre_views, views

app_name = "privacy"
urlpatterns = [
    path("", centre_views.centre, name="centre"),
    path("consent/", views.consent, name="consent"),
    path(
        "consents/generation/withdraw/",
        centre_views.generation_withdraw,
        name="generation_withdraw",
    ),
    path("consents/<slug:purpose>/", centre_views.consent_toggle, name="consent_toggle"),
    path("export/", centre_views.export_request, name="export_request"),
    path("export/<str:token>/download/", centre_views.export_download, name="export_download"),
    path("erase/", centre_views.erase, name="erase"),
    path("erase/receipt/", centre_views.erasure_receipt, name="erasure_receipt"),
]
