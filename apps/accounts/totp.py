"""RFC 6238 time-based codes, for the demo helper and for tests that sign in."""

import base64
import hashlib
import hmac
import struct
import time


def totp_code(secret_b32: str, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(base64.b32decode(secret_b32, casefold=True), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"
