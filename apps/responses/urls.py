from django.urls import path

from . import setup_views, views

MENTION_ANSWERS = "c/<slug:client_slug>/mentions/<int:mention_pk>/answers/"
ANSWER = "c/<slug:client_slug>/answers/<int:answer_pk>/"
APPROVALS = "c/<slug:client_slug>/approvals/"

urlpatterns = [
    # Writing and sending answers: the team's side, on the mention's page.
    path(MENTION_ANSWERS, views.AnswerStartView.as_view(), name="answer_start"),
    path(ANSWER + "save/", views.AnswerSaveView.as_view(), name="answer_save"),
    path(ANSWER + "submit/", views.AnswerSubmitView.as_view(), name="answer_submit"),
    path(ANSWER + "publish/", views.AnswerPublishView.as_view(), name="answer_publish"),
    path(ANSWER + "sent/", views.AnswerMarkSentView.as_view(), name="answer_mark_sent"),
    path(ANSWER + "diff/", views.AnswerDiffView.as_view(), name="answer_diff"),
    # Approving: account leads and the client's own approvers.
    path(APPROVALS, views.ApprovalListView.as_view(), name="approvals"),
    path(APPROVALS + "<int:answer_pk>/", views.ApprovalDetailView.as_view(), name="approval_detail"),
    # Setting up (policy and saved replies): see setup_views.
    path(APPROVALS + "policy/", setup_views.ApprovalPolicyView.as_view(), name="approval_policy"),
    path(APPROVALS + "policy/rules/new/", setup_views.ApprovalRuleFormView.as_view(), name="approval_rule_new"),
    path(APPROVALS + "policy/rules/<int:rule_pk>/", setup_views.ApprovalRuleFormView.as_view(), name="approval_rule"),
    path(
        APPROVALS + "policy/rules/<int:rule_pk>/delete/",
        setup_views.ApprovalRuleDeleteView.as_view(),
        name="approval_rule_delete",
    ),
    path("c/<slug:client_slug>/saved-replies/", setup_views.SavedRepliesView.as_view(), name="saved_replies"),
    path(
        "c/<slug:client_slug>/saved-replies/<int:reply_pk>/",
        setup_views.SavedReplyFormView.as_view(),
        name="saved_reply",
    ),
    path(
        "c/<slug:client_slug>/saved-replies/<int:reply_pk>/delete/",
        setup_views.SavedReplyDeleteView.as_view(),
        name="saved_reply_delete",
    ),
]
