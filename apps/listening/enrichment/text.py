"""Turning untrusted platform text into plain, bounded, comparable text."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from html.parser import HTMLParser

MAX_TEXT_CHARS = 100_000
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "iframe", "object"})
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")
# Anything the whitespace folding would change: runs of spaces, odd spaces, spaces around newlines.
_FOLDABLE = re.compile(r"[^\S ]|  | \n|\n ")
_URL = re.compile(r"https?://\S+")
# Control characters other than newline and tab; zero-width and bidi marks are kept
# (they are legitimate in Danish/Polish/Arabic names) and neutralised when displayed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment. Parsing only: nothing is fetched or executed."""
    if "<" not in markup and "&" not in markup:
        return markup
    extractor = _TextExtractor()
    try:
        extractor.feed(markup[: MAX_TEXT_CHARS * 2])
        extractor.close()
    except Exception:  # html.parser is lenient; this guards against the unforeseen only
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return "".join(extractor.parts)


def clean_text(value: str, *, is_html: bool = False) -> str:
    """Plain text: markup removed, entities decoded, whitespace folded, length bounded."""
    if not value:
        return ""
    text = html_to_text(value) if is_html else html.unescape(value) if "&" in value else value
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _FOLDABLE.search(text):
        text = _NEWLINES.sub("\n", _SPACES.sub(" ", text))
    return text.strip()[:MAX_TEXT_CHARS]


def content_hash(text: str) -> str:
    """Same words, same hash: links, case, punctuation and spacing do not count."""
    words = re.findall(r"\w+", _URL.sub(" ", text.casefold()))
    if len(words) < 4:  # too short to call two posts copies of each other
        return ""
    return hashlib.blake2b(" ".join(words).encode(), digest_size=16).hexdigest()
