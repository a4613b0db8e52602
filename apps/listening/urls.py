from django.urls import path

from . import views

urlpatterns = [
    path("c/<slug:client_slug>/sources/", views.SourceListView.as_view(), name="source_list"),
    path("c/<slug:client_slug>/sources/new/", views.SourceFormView.as_view(), name="source_create"),
    path("c/<slug:client_slug>/sources/<int:source_pk>/", views.SourceDetailView.as_view(), name="source_detail"),
    path(
        "c/<slug:client_slug>/sources/<int:source_pk>/poll/", views.SourcePollNowView.as_view(), name="source_poll_now"
    ),
    path("c/<slug:client_slug>/sources/<int:source_pk>/test/", views.SourceTestView.as_view(), name="source_test"),
    path(
        "c/<slug:client_slug>/brands/<int:brand_pk>/listening/",
        views.BrandListeningView.as_view(),
        name="brand_listening",
    ),
    path("c/<slug:client_slug>/imports/", views.ImportListView.as_view(), name="import_list"),
    path("c/<slug:client_slug>/imports/<int:job_pk>/", views.ImportDetailView.as_view(), name="import_detail"),
]
