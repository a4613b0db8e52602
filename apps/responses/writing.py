"""Help beside the editor: the answer each kind of mention wants, saved replies filled in for a
mention, and what changed between two versions."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from apps.mentions.models import MentionKind

# The answer each kind wants (DOMAIN.md, section 3), as a hint next to the editor.
STRATEGY = {
    MentionKind.PRODUCT_CRITICISM: _("Offer a fix or a replacement."),
    MentionKind.PERSONAL_ATTACK: _("Stay professional: leave it, or take it to a private channel."),
    MentionKind.CONSTRUCTIVE_FEEDBACK: _("Thank them, and change what can be changed."),
    MentionKind.SERVICE_FAILURE: _("Own the failure and compensate where it is fair."),
    MentionKind.QUESTION: _("Answer in full detail."),
    MentionKind.GENERAL_DISSATISFACTION: _("Show you understand and ask what would help."),
    MentionKind.TROLLING: _("Keep calm and do not take the bait; no answer is an answer too."),
    MentionKind.PRAISE: _("Say thank you: a happy customer speaks for the brand."),
}
NO_KIND_STRATEGY = _("Be personal, specific and kind; check the facts before answering.")

PLACEHOLDERS = ("{author}", "{brand}", "{link}")


def strategy_for(kind: str) -> str:
    return str(STRATEGY.get(kind, NO_KIND_STRATEGY))


def fill_placeholders(text: str, mention) -> str:
    """A saved reply for this mention: {author}, {brand} and {link} filled in, other braces kept.

    Plain replacement, not str.format: a reply may contain any braces, and the values (an
    author's name) are untrusted text.
    """
    author = mention.author_handle or mention.author_name
    values = {"{author}": author, "{brand}": mention.brand.name, "{link}": mention.url}
    return re.sub("|".join(re.escape(key) for key in PLACEHOLDERS), lambda match: values[match.group(0)], text)


@dataclass(frozen=True)
class Piece:
    """A run of words of a diff: kept ("="), removed ("-") or added ("+")."""

    op: str
    text: str


_WORDS = re.compile(r"\s+|[^\s]+")


def diff_words(old: str, new: str) -> list[Piece]:
    """What changed from `old` to `new`, word by word (spaces kept), for <del>/<ins> display."""
    before, after = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("=", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("-", "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("+", "".join(after[j1:j2])))
    return pieces
