"""Pages of the answer workflow: the editor on a mention's page, and the approvers' pages.

A refused form comes back with its errors and the typed text (400), so nothing is lost.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from apps.core.forms import apply_service_errors
from apps.core.views import run_and_report
from apps.mentions.views import MentionScopedMixin
from apps.tenants.mixins import ClientScopedMixin
from apps.tenants.roles import ClientPerm

from . import selectors, sending, services
from .forms import AnswerForm, DecisionForm, DiffForm, MarkSentForm, SubmitForm
from .models import Answer, AnswerState
from .writing import diff_words


def answers_panel(*, view, mention, forms) -> dict:
    """The mention page's answers; a refused answer form comes back with its errors and text, on
    its answer (None: a new one)."""
    return {
        **selectors.answer_panel(user=view.request.user, mention=mention),
        "answer_form": forms.get("answer_form"),
        "refused_answer": forms.get("refused_answer"),
    }


class AnswerScopedMixin(MentionScopedMixin):
    """A answer of this client, worked on by the team (the right to work mentions)."""

    def load_answer(self, answer_pk, *, statements: bool = False) -> Answer:
        """An answer to one of the client's mentions; with `statements`, a statement too (where
        this person may see it): a statement is worked on where it is written."""
        answers = Answer.objects.visible_to(self.request.user).select_related("mention__brand", "current_version")
        if statements:
            visible = selectors.answers_in_approval(user=self.request.user, client=self.client)
            answers = answers.filter(pk__in=visible.values("pk"))
        else:
            answers = answers.filter(mention__isnull=False)
        return self.get_scoped_object(answers, pk=answer_pk)

    def back(self, answer: Answer):
        return redirect(answer.mention.get_absolute_url() + "#answer")

    def refused(self, answer: Answer, form, error: ValidationError | None = None):
        if error is not None:
            apply_service_errors(form, error)
        return self.render_detail(answer.mention, status=400, answer_form=form, refused_answer=answer.pk)


class AnswerStartView(MentionScopedMixin, View):
    def refused(self, mention, form, error: ValidationError | None = None):
        if error is not None:
            apply_service_errors(form, error)
        return self.render_detail(mention, status=400, answer_form=form, refused_answer=None)

    def post(self, request, client_slug, mention_pk):
        mention = self.load_mention(mention_pk)
        form = AnswerForm(request.POST)
        if not form.is_valid():
            return self.refused(mention, form)
        data = form.cleaned_data
        try:
            services.answer_start(
                actor=request.user,
                mention=mention,
                text=data["text"],
                reply_type=data["reply_type"],
                language=data["language"],
                request=request,
            )
        except ValidationError as error:
            return self.refused(mention, form, error)
        messages.success(request, _("Answer saved as version 1."))
        return redirect(mention.get_absolute_url() + "#answer")


class AnswerSaveView(AnswerScopedMixin, View):
    def post(self, request, client_slug, answer_pk):
        answer = self.load_answer(answer_pk)
        form = AnswerForm(request.POST)
        if not form.is_valid():
            return self.refused(answer, form)
        data = form.cleaned_data
        try:
            answer = services.answer_save(
                actor=request.user,
                answer=answer,
                text=data["text"],
                language=data["language"],
                base_version=data["base_version"] or 0,
                request=request,
            )
        except ValidationError as error:
            return self.refused(answer, form, error)
        messages.success(request, _("Saved as version %(n)d.") % {"n": answer.current_version.number})
        return self.back(answer)


class AnswerSubmitView(AnswerScopedMixin, View):
    def post(self, request, client_slug, answer_pk):
        answer = self.load_answer(answer_pk)
        form = SubmitForm(request.POST)
        if not form.is_valid():
            return self.refused(answer, form)
        try:
            answer = services.answer_submit(
                actor=request.user, answer=answer, comment=form.cleaned_data["comment"], request=request, **form.edits()
            )
        except ValidationError as error:
            return self.refused(answer, form, error)
        if answer.state == AnswerState.APPROVED:
            messages.success(request, _("The policy needs no approval for this answer: it can go out."))
        else:
            messages.success(request, _("Sent for approval."))
        return self.back(answer)


class AnswerPublishView(AnswerScopedMixin, View):
    def post(self, request, client_slug, answer_pk):
        answer = self.load_answer(answer_pk)
        published = run_and_report(
            request,
            lambda: sending.answer_publish(actor=request.user, answer=answer, request=request),
            _("Publishing: the page shows when it is out."),
        )
        return self.back(answer) if published else self.render_detail(answer.mention, status=400)


class AnswerMarkSentView(AnswerScopedMixin, View):
    def post(self, request, client_slug, answer_pk):
        answer = self.load_answer(answer_pk)
        form = MarkSentForm(request.POST)
        if not form.is_valid():
            return self.refused(answer, form)
        try:
            sending.answer_mark_sent(
                actor=request.user,
                answer=answer,
                url=form.cleaned_data["url"],
                sent_at=form.cleaned_data["sent_at"],
                request=request,
            )
        except ValidationError as error:
            return self.refused(answer, form, error)
        messages.success(request, _("Recorded as sent by hand: the mention is answered."))
        return self.back(answer)


class AnswerDiffView(AnswerScopedMixin, View):
    def get(self, request, client_slug, answer_pk):
        answer = self.load_answer(answer_pk, statements=True)
        form = DiffForm(request.GET)
        if not form.is_valid():
            raise Http404(_("Choose two versions of this answer."))
        try:
            old, new = selectors.versions_to_compare(answer=answer, a=form.cleaned_data["a"], b=form.cleaned_data["b"])
        except ValidationError as error:
            raise Http404(_("Choose two versions of this answer.")) from error
        context = {
            **self.client_context(),
            "answer": answer,
            "old": old,
            "new": new,
            "pieces": diff_words(old.text, new.text),
        }
        template = "responses/_diff.html" if request.htmx else "responses/diff.html"
        return render(request, template, context)


class ApproverMixin(ClientScopedMixin):
    """Pages for everyone who approves answers: account leads and the client's own approvers.
    The team (who work mentions) may read them too."""

    read_permission = (ClientPerm.APPROVE_RESPONSES, ClientPerm.READ_WORK)
    write_permission = ClientPerm.APPROVE_RESPONSES


class ApprovalListView(ApproverMixin, TemplateView):
    template_name = "responses/approvals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        answers = selectors.approvals_for(user=self.request.user, client=self.client)
        names = selectors.approver_names(answers=answers)
        context["answers"] = [
            selectors.describe(user=self.request.user, answer=answer, names=names) for answer in answers
        ]
        return context


class ApprovalDetailView(ApproverMixin, View):
    """The mention, the proposed text, the agency's comment and what changed since the last
    version; the approver decides here."""

    def load(self, answer_pk) -> Answer:
        answer = selectors.approval_of(user=self.request.user, client=self.client, answer_pk=answer_pk)
        if answer is None:
            raise Http404
        return answer

    def show(self, answer: Answer, form: DecisionForm | None = None, status: int = 200):
        versions = list(answer.versions.all())  # newest first
        current, previous = versions[0], versions[1] if len(versions) > 1 else None
        context = {
            **self.client_context(),
            "card": selectors.describe(user=self.request.user, answer=answer),
            "mention": answer.mention,
            "current": current,
            "previous": previous,
            "pieces": diff_words(previous.text, current.text) if previous else [],
            "decisions": list(answer.decisions.all()),
            "form": form or DecisionForm(initial={"version": current.number}),
        }
        return render(self.request, "responses/approval_detail.html", context, status=status)

    def get(self, request, client_slug, answer_pk):
        return self.show(self.load(answer_pk))

    def post(self, request, client_slug, answer_pk):
        answer = self.load(answer_pk)
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.answer_decide(actor=request.user, answer=answer, request=request, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error) or _("You may not decide on this answer."))
            else:
                messages.success(request, _("Your decision is recorded."))
                return redirect("approvals", client_slug=self.client.slug)
        return self.show(answer, form, status=400)
