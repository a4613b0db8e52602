"""Sessions end after SESSION_COOKIE_AGE of inactivity; requests a page makes on its own are not activity.

Every request by a person saves the session and pushes its expiry (SESSION_SAVE_EVERY_REQUEST). A
poll such as the notification bell's, every 30 s from any open tab, would then keep a session alive
forever. Views marked `background_poll` leave the session as it was, unless they changed it.
"""

from functools import wraps

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.cache import patch_vary_headers


def background_poll(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.is_background_poll = True
        return view(request, *args, **kwargs)

    return wrapped


class SessionMiddleware(DjangoSessionMiddleware):
    def process_response(self, request, response):
        if getattr(request, "is_background_poll", False) and not request.session.modified:
            # Not saved, but the answer still depends on the session: shared caches must know.
            if request.session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)
