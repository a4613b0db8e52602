from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: people join through an invitation from their team."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def send_mail(self, template_prefix, email, context):
        context.setdefault("agency_name", settings.AGENCY_NAME)
        return super().send_mail(template_prefix, email, context)
