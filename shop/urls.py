from django.urls import path

from shop import views

app_name = "shop"
urlpatterns = [
    path("", views.home, name="home"),
    path("designs/<uuid:design_id>/merch/", views.product, name="product"),
    path("cart/", views.cart, name="cart"),
    path("cart/lines/<int:line_id>/", views.cart_line, name="cart_line"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path("orders/<str:number>/pay/", views.order_pay, name="order_pay"),
    path("orders/<str:number>/pay/confirm/", views.order_pay_confirm, name="order_pay_confirm"),
    path("orders/<str:number>/complete/", views.order_complete, name="order_complete"),
    path("orders/<str:number>/status/", views.order_status, name="order_status"),
    path("downloads/<str:token>/", views.download, name="download"),
]
