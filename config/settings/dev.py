"""Local development: DEBUG on, console e-mail, embedded services by default."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The local demo replays and test servers live on this machine.
ALLOW_PRIVATE_NETWORKS = env.bool("ALLOW_PRIVATE_NETWORKS", default=True)
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=True)
