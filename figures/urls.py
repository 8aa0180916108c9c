from django.urls import path

from figures import provenance_views, views

app_name = "figures"
urlpatterns = [
    path("", views.studio, name="studio"),
    path("new/", views.design_new, name="design_new"),
    path("new/check/", views.design_text_check, name="design_text_check"),
    path("designs/<uuid:design_id>/", views.design_detail, name="design"),
    path("designs/<uuid:design_id>/status/", views.design_status, name="design_status"),
    path("designs/<uuid:design_id>/generate/", views.design_generate, name="design_generate"),
    path("renders/<uuid:render_id>/approve/", views.render_approve, name="render_approve"),
    path("renders/<uuid:render_id>/image/", views.render_image, name="render_image"),
    path("photos/<uuid:photo_id>/image/", views.photo_image, name="photo_image"),
    # Public (no account): does an image carry valid Content Credentials, and what do they say?
    path("check/", provenance_views.provenance_check, name="provenance_check"),
]
