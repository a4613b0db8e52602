from django.urls import path

from apps.mentions.urls import MENTION

from . import views

urlpatterns = [
    path(MENTION + "assign/", views.MentionAssignView.as_view(), name="mention_assign"),
    path("c/<slug:client_slug>/on-call/", views.RotaView.as_view(), name="on_call"),
    path(
        "c/<slug:client_slug>/on-call/<int:shift_pk>/<str:action>/",
        views.ShiftActionView.as_view(),
        name="on_call_shift_action",
    ),
    path("c/<slug:client_slug>/availability/", views.AvailabilityView.as_view(), name="availability"),
]
