from django.urls import path

from . import views

urlpatterns = [
    path("c/<slug:client_slug>/response-rules/", views.ResponseRulesView.as_view(), name="response_rules"),
]
