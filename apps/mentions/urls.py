from django.urls import path

from . import views

urlpatterns = [
    path("c/<slug:client_slug>/mentions/<int:mention_pk>/", views.MentionDetailView.as_view(), name="mention_detail"),
    path("c/<slug:client_slug>/mentions/<int:mention_pk>/risk/", views.MentionRiskView.as_view(), name="mention_risk"),
    path(
        "c/<slug:client_slug>/mentions/<int:mention_pk>/assign/",
        views.MentionAssignView.as_view(),
        name="mention_assign",
    ),
]
