from django.urls import path

from printing import views

app_name = "printing"
urlpatterns = [
    path(
        "designs/<uuid:design_id>/packaging.png",
        views.packaging_preview,
        name="packaging_preview",
    ),
]
