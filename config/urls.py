from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.views import healthz
from apps.listening.webhooks import receive_push

urlpatterns = [
    path("", include("apps.workspace.urls")),
    path("", include("apps.tenants.urls")),
    path("", include("apps.accounts.urls")),
    path("", include("apps.listening.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.mentions.urls")),
    path("", include("apps.incidents.urls")),
    path("", include("apps.posts.urls")),
    path("", include("apps.detection.urls")),
    path("", include("apps.risk.urls")),
    path("", include("apps.routing.urls")),
    path("", include("apps.responses.urls")),
    path("", include("apps.core.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("hooks/<str:token>/", receive_push, name="webhook_receive"),
    path("api/v1/", include(("config.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "apps.core.errors.permission_denied"
handler404 = "apps.core.errors.page_not_found"
handler500 = "apps.core.errors.server_error"
