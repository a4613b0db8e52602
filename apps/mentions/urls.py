from django.urls import path

from . import views

MENTION = "c/<slug:client_slug>/mentions/<int:mention_pk>/"  # the risk and routing apps add their own

urlpatterns = [
    path("inbox/", views.MyWorkView.as_view(), name="my_work"),
    path("inbox/poll/", views.MyWorkPollView.as_view(), name="my_work_poll"),
    path("c/<slug:client_slug>/inbox/", views.InboxView.as_view(), name="inbox"),
    path("c/<slug:client_slug>/inbox/poll/", views.InboxPollView.as_view(), name="inbox_poll"),
    path("c/<slug:client_slug>/inbox/bulk/", views.BulkView.as_view(), name="inbox_bulk"),
    path("c/<slug:client_slug>/inbox/views/", views.SavedViewCreateView.as_view(), name="saved_view_create"),
    path("c/<slug:client_slug>/inbox/views/counts/", views.SavedViewCountsView.as_view(), name="saved_view_counts"),
    path(
        "c/<slug:client_slug>/inbox/views/<int:view_pk>/delete/",
        views.SavedViewDeleteView.as_view(),
        name="saved_view_delete",
    ),
    path(MENTION, views.MentionDetailView.as_view(), name="mention_detail"),
    path(MENTION + "status/", views.MentionTransitionView.as_view(), name="mention_transition"),
    path(MENTION + "archive/", views.MentionArchiveView.as_view(), name="mention_archive"),
    path(MENTION + "purge/", views.MentionPurgeView.as_view(), name="mention_purge"),
    path(MENTION + "notes/", views.MentionNoteView.as_view(), name="mention_note"),
    path(MENTION + "presence/", views.MentionPresenceView.as_view(), name="mention_presence"),
]
