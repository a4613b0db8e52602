"""Request signing shared by pushes we receive and webhooks we send: HMAC-SHA256 over "timestamp.body"."""

import hashlib
import hmac


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"
