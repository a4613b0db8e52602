from django.urls import path

from . import views

POSTS = "c/<slug:client_slug>/posts/"

urlpatterns = [
    path(POSTS, views.PostListView.as_view(), name="post_list"),
    path(POSTS + "new/", views.PostComposeView.as_view(), name="post_compose"),
    path(POSTS + "calendar/", views.CalendarView.as_view(), name="post_calendar"),
    path(POSTS + "held/", views.HeldPostsView.as_view(), name="held_posts"),
    path(POSTS + "<int:post_pk>/", views.PostDetailView.as_view(), name="post_detail"),
    path("c/<slug:client_slug>/holds/", views.HoldListView.as_view(), name="holds"),
    path("c/<slug:client_slug>/accounts/", views.AccountSecurityView.as_view(), name="account_security"),
    path("c/<slug:client_slug>/holds/<int:hold_pk>/lift/", views.HoldLiftView.as_view(), name="hold_lift"),
]
