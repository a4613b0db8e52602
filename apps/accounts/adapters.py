from allauth.account.adapter import DefaultAccountAdapter
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
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{self.get_client_ip(request)}"

    def send_mail(self, template_prefix, email, context):
        """allauth's mail (password reset, sign-in codes, address checks) leaves through the worker."""
        context.setdefault("agency_name", settings.AGENCY_NAME)
        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, kind in getattr(message, "alternatives", []) if kind == "text/html"), "")
        queue_email(
            subject=message.subject, body=message.body, to=list(message.to), html=html, from_email=message.from_email
        )
