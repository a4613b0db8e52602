from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.conf import settings

from apps.core.mail import queue_email


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: people join through an invitation from their team."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Failed sign-ins count per account *and* address: whoever knows an address cannot lock
        its owner out by failing five times from elsewhere (the owner may also sign in by a code
        sent by e-mail). allauth's own key is the account alone."""
        return f"{self._account_key(request, **credentials)}:{self.get_client_ip(request)}"

    def _account_key(self, request, **credentials) -> str:
        return DefaultAccountAdapter._get_login_attempts_cache_key(self, request, **credentials)

    def pre_authenticate(self, request, **credentials) -> None:
        # Over all addresses together an account takes a looser cap of failures
        # (login_failed_account), so guessing from many addresses stays slow.
        account = self._account_key(request, **credentials)
        if not ratelimit.consume(
            request, app="allauth.account", action="login_failed_account", key=account, dry_run=True
        ):
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request, **credentials) -> None:
        super().authentication_failed(request, **credentials)
        account = self._account_key(request, **credentials)
        ratelimit.consume(request, app="allauth.account", action="login_failed_account", key=account)

    def send_mail(self, template_prefix, email, context):
        """allauth's mail (password reset, sign-in codes, address checks) leaves through the worker."""
        context.setdefault("agency_name", settings.AGENCY_NAME)
        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, kind in getattr(message, "alternatives", []) if kind == "text/html"), "")
        queue_email(
            subject=message.subject, body=message.body, to=list(message.to), html=html, from_email=message.from_email
        )
