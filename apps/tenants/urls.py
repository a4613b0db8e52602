from django.urls import path

from . import views

urlpatterns = [
    path("c/<slug:client_slug>/brands/new/", views.BrandFormView.as_view(), name="brand_create"),
    path("c/<slug:client_slug>/brands/<int:brand_pk>/edit/", views.BrandFormView.as_view(), name="brand_update"),
    path(
        "c/<slug:client_slug>/team/<int:membership_pk>/role/",
        views.MembershipRoleView.as_view(),
        name="membership_role",
    ),
    path(
        "c/<slug:client_slug>/team/<int:membership_pk>/revoke/",
        views.MembershipRevokeView.as_view(),
        name="membership_revoke",
    ),
    path("c/<slug:client_slug>/audit/", views.ClientAuditView.as_view(), name="client_audit"),
]
