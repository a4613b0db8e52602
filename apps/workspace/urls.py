from django.urls import path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("c/", views.ClientSwitchView.as_view(), name="client_switch"),
    path("c/<slug:client_slug>/", views.ClientDetailView.as_view(), name="client_detail"),
]
