from django.urls import path

from . import views

urlpatterns = [
    path("invitations/<str:key>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("me/tokens/", views.ApiTokensView.as_view(), name="api_tokens"),
    path("me/tokens/<int:token_pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="api_token_revoke"),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/<int:user_pk>/access/", views.UserAccessView.as_view(), name="user_access"),
    path("audit/", views.AgencyAuditView.as_view(), name="agency_audit"),
    path("c/<slug:client_slug>/team/", views.TeamView.as_view(), name="client_team"),
    path(
        "c/<slug:client_slug>/invitations/<int:invitation_pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
]
