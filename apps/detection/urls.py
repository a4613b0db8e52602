from django.urls import path

from . import views

BRAND = "c/<slug:client_slug>/brands/<int:brand_pk>/"

urlpatterns = [
    path("c/<slug:client_slug>/alerts/", views.AlertListView.as_view(), name="alert_list"),
    path("c/<slug:client_slug>/alerts/<int:alert_pk>/", views.AlertDetailView.as_view(), name="alert_detail"),
    path("c/<slug:client_slug>/alerts/<int:alert_pk>/status/", views.AlertStatusView.as_view(), name="alert_status"),
    path(BRAND + "alerts/", views.AlertListView.as_view(), name="brand_alerts"),
    path(BRAND + "detection/", views.DetectionSettingsView.as_view(), name="detection_settings"),
]
