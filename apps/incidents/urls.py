from django.urls import path

from . import views

urlpatterns = [
    path("incidents/settings/", views.IncidentSettingsView.as_view(), name="incident_settings"),
    path("c/<slug:client_slug>/incidents/", views.IncidentListView.as_view(), name="incident_list"),
    path("c/<slug:client_slug>/incidents/new/", views.IncidentDeclareView.as_view(), name="incident_declare"),
    path(
        "c/<slug:client_slug>/incidents/<int:incident_pk>/", views.IncidentDetailView.as_view(), name="incident_detail"
    ),
    path("c/<slug:client_slug>/statements/", views.LibraryListView.as_view(), name="statement_library"),
    path(
        "c/<slug:client_slug>/statements/<int:statement_pk>/",
        views.LibraryStatementView.as_view(),
        name="statement_library_item",
    ),
    # the client's people's view: read-only, client-visible
    path("c/<slug:client_slug>/crisis/", views.CrisisListView.as_view(), name="crisis_list"),
    path("c/<slug:client_slug>/crisis/<int:incident_pk>/", views.CrisisDetailView.as_view(), name="crisis_detail"),
]
