"""Does a text mention a brand? Names, aliases, handles, keywords, hashtags,
excluded words, and an optional boolean query with AND, OR, NOT, parentheses
and "quoted phrases" (implicit AND between terms, as search boxes do).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_TOKEN = re.compile(r'"([^"]*)"|(\()|(\))|([^\s()"]+)')


_COMBINING = re.compile(r"[\u0300-\u036f]")
# Letters that carry no combining mark to strip but are written without it in a hurry.
_PLAIN_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss"})


def fold(text: str) -> str:
    """Case- and accent-insensitive form, so 'Havbrís' finds 'havbris' and 'HAVBRIS'."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold())).translate(_PLAIN_LETTERS)


# Scripts written without spaces between words (Chinese, Japanese, Korean): their characters make
# no word boundary, so "DrecomRSSに" holds the term DrecomRSS, and a term written in them is
# found inside a run of them.
_UNSPACED = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
_LETTER = rf"[^\W{_UNSPACED}]"  # a word character of a spaced script
_HAS_UNSPACED = re.compile(f"[{_UNSPACED}]")


def term_pattern(term: str) -> str:
    """The one term grammar of brand queries and topic rules, as a pattern over fold()ed text.

    A term matches as a whole word; "klage*" also matches what starts with it (klager, klagen).
    A plain term matches as a #hashtag and an @handle too ("Primark" finds "#Primark" and
    "@Primark"); a term written "#name" or "@name" matches only that. Words in scripts without
    spaces match wherever they stand.
    """
    term = fold(term.strip())
    prefix = term.endswith("*")
    term = term.rstrip("*")
    body = re.escape(term)
    if _HAS_UNSPACED.search(term):
        return body + (r"\w*" if prefix else "")
    start = rf"(?<!{_LETTER})" + ("" if term[:1] in ("#", "@") else "[#@]?")
    end = rf"{_LETTER}*" if prefix else rf"(?!{_LETTER})"
    return start + body + end


@dataclass(frozen=True)
class _Term:
    pattern: re.Pattern

    def matches(self, text: str) -> bool:
        return self.pattern.search(text) is not None


@dataclass(frozen=True)
class _Not:
    operand: object

    def matches(self, text: str) -> bool:
        return not self.operand.matches(text)


@dataclass(frozen=True)
class _All:
    operands: tuple

    def matches(self, text: str) -> bool:
        return all(op.matches(text) for op in self.operands)


@dataclass(frozen=True)
class _Any:
    operands: tuple

    def matches(self, text: str) -> bool:
        return any(op.matches(text) for op in self.operands)


class _Parser:
    """expr := and ('OR' and)* ; and := unary (['AND'] unary)* ; unary := 'NOT' unary | atom"""

    def __init__(self, expression: str):
        self.tokens = []
        for phrase, opening, closing, word in _TOKEN.findall(expression):
            if opening or closing:
                self.tokens.append(opening or closing)
            elif word and word.upper() in ("AND", "OR", "NOT"):
                self.tokens.append(word.upper())
            elif phrase.strip() or word:
                self.tokens.append(("term", phrase or word))
        self.position = 0

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.position += 1
        return token

    def parse(self):
        if not self.tokens:
            raise ValidationError(_("The query is empty."))
        node = self.parse_or()
        if self.peek() is not None:
            raise ValidationError(_("Unexpected %(token)s in the query.") % {"token": self.peek()})
        return node

    def parse_or(self):
        operands = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else _Any(tuple(operands))

    def parse_and(self):
        operands = [self.parse_unary()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
            operands.append(self.parse_unary())
        return operands[0] if len(operands) == 1 else _All(tuple(operands))

    def parse_unary(self):
        item = self.take()
        if item == "NOT":
            return _Not(self.parse_unary())
        if item == "(":
            node = self.parse_or()
            if self.take() != ")":
                raise ValidationError(_("A parenthesis is not closed."))
            return node
        if isinstance(item, tuple):
            return _Term(re.compile(term_pattern(item[1])))
        raise ValidationError(_("The query is incomplete near %(token)s.") % {"token": item or _("the end")})


@lru_cache(maxsize=1024)
def parse_expression(expression: str):
    """A compiled boolean query; raises ValidationError with a readable message."""
    if len(expression) > 2000:
        raise ValidationError(_("The query is too long (at most 2,000 characters)."))
    return _Parser(expression).parse()


@dataclass(frozen=True)
class BrandMatcher:
    """Compiled once per brand and reused for every mention of a batch."""

    any_of: re.Pattern | None
    excluded: re.Pattern | None
    expression: object | None

    @classmethod
    def build(cls, *, names, keywords=(), hashtags=(), handles=(), excluded=(), expression="") -> BrandMatcher:
        terms = [t for t in [*names, *keywords, *hashtags, *handles] if t and t.strip()]
        any_of = re.compile("|".join(term_pattern(t) for t in terms)) if terms else None
        excluded_terms = [t for t in excluded if t and t.strip()]
        excluded_re = re.compile("|".join(term_pattern(t) for t in excluded_terms)) if excluded_terms else None
        return cls(any_of, excluded_re, parse_expression(expression) if expression.strip() else None)

    def matches_folded(self, folded: str) -> bool:
        """Whether a text, already passed through fold(), is about the brand."""
        if self.excluded is not None and self.excluded.search(folded):
            return False
        if self.expression is not None:
            return self.expression.matches(folded)
        return self.any_of is None or self.any_of.search(folded) is not None
