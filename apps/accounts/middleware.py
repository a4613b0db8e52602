from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .mfa_policy import mfa_missing

# Pages a user who still has to enrol MFA may reach: the enrolment itself,
# signing out, and anything that is not a working page.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/invitations/")


class RequireMFAMiddleware:
    """Agency admins and account leads cannot work until they have enrolled TOTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and mfa_missing(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "status": 403,
                        "code": "mfa_required",
                        "detail": _("Your role requires two-factor authentication. Enrol it in the web app first."),
                    },
                    status=403,
                )
            messages.warning(request, _("Your role requires two-factor authentication. Set it up to continue."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)
