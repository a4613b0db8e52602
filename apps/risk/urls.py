from django.urls import path

from apps.mentions.urls import MENTION

from . import views

urlpatterns = [
    path(MENTION + "risk/", views.MentionRiskView.as_view(), name="mention_risk"),
    path("c/<slug:client_slug>/response-rules/", views.ResponseRulesView.as_view(), name="response_rules"),
]
