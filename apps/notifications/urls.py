from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/badge/", views.notification_badge, name="notification_badge"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path("notifications/settings/", views.NotificationSettingsView.as_view(), name="notification_settings"),
    path("notifications/<int:notification_pk>/open/", views.NotificationOpenView.as_view(), name="notification_open"),
    path("c/<slug:client_slug>/webhooks/", views.WebhookListView.as_view(), name="webhook_list"),
    path("c/<slug:client_slug>/webhooks/new/", views.WebhookCreateView.as_view(), name="webhook_create"),
    path("c/<slug:client_slug>/webhooks/<int:endpoint_pk>/", views.WebhookDetailView.as_view(), name="webhook_detail"),
    path("c/<slug:client_slug>/webhooks/<int:endpoint_pk>/test/", views.WebhookTestView.as_view(), name="webhook_test"),
    path(
        "c/<slug:client_slug>/webhooks/<int:endpoint_pk>/delete/",
        views.WebhookDeleteView.as_view(),
        name="webhook_delete",
    ),
]
