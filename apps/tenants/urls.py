from django.urls import path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("c/", views.ClientSwitchView.as_view(), name="client_switch"),
    path("c/<slug:client_slug>/", views.ClientDetailView.as_view(), name="client_detail"),
    path("c/<slug:client_slug>/brands/new/", views.BrandFormView.as_view(), name="brand_create"),
    path("c/<slug:client_slug>/brands/<int:brand_pk>/edit/", views.BrandFormView.as_view(), name="brand_update"),
    path("c/<slug:client_slug>/team/", views.TeamView.as_view(), name="client_team"),
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
    path(
        "c/<slug:client_slug>/invitations/<int:invitation_pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path("c/<slug:client_slug>/audit/", views.ClientAuditView.as_view(), name="client_audit"),
]
