"""Issue 17, points 1 to 3: one term grammar for brand queries and topic rules, that finds a
brand in its own hashtag and handle, in and next to text without spaces, and by prefix."""

import pytest

from apps.listening.enrichment.kinds import compile_topics, match_topics
from apps.listening.enrichment.query import BrandMatcher, fold
from tests.listening.platform_fixtures import load_sample


def _matches(matcher: BrandMatcher, text: str) -> bool:
    return matcher.matches_folded(fold(text))


def _texts(document) -> list[str]:
    found, pending = [], [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            found.append(value)
    return found


@pytest.mark.parametrize("text", ["Shame on #Primark", "@Primark answer us", "PRIMARK again.", "(#primark)"])
def test_a_brand_name_matches_its_hashtag_and_handle(text):
    assert _matches(BrandMatcher.build(names=["Primark"]), text)


@pytest.mark.parametrize("text", ["#primarkfail", "myprimark", "Primarkets"])
def test_a_brand_name_still_matches_only_whole_words(text):
    assert not _matches(BrandMatcher.build(names=["Primark"]), text)


def test_a_hashtag_term_matches_only_the_hashtag():
    matcher = BrandMatcher.build(names=[], hashtags=["#havbris"])
    assert _matches(matcher, "Skål #Havbris") and not _matches(matcher, "Skål Havbris")


def test_excluded_words_say_otherwise():
    matcher = BrandMatcher.build(names=["GitHub"], excluded=["#githubstatus"])
    assert _matches(matcher, "Try #GitHub actions")
    assert not _matches(matcher, "#GitHubStatus says all is fine #GitHub")


def test_terms_match_in_and_next_to_japanese_text_of_a_real_post():
    """The Reddit sample holds a Japanese post: "特徴的な単語である users-online で reddit の…を検索すると"."""
    post = next(t for t in _texts(load_sample("reddit", "praw_search_r_all_listing.json")) if "検索" in t)
    assert _matches(BrandMatcher.build(names=[], keywords=["検索"]), post)
    assert _matches(BrandMatcher.build(names=[], keywords=["ソースコード"]), post)
    glued = post.replace("reddit の", "redditの")  # a Latin name written against kana
    assert _matches(BrandMatcher.build(names=["reddit"]), glued)
    assert _matches(BrandMatcher.build(names=["DrecomRSS"]), "DrecomRSSに登録しました")


class _Topic:
    def __init__(self, name, keywords):
        self.name, self.keywords = name, keywords


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("forsink*", "Ferja er forsinket igjen og ingen sier noe"),
        ("delay*", "Again delayed, third time this month"),
        ("dostaw*", "Dostawa nie dotarła od tygodnia"),
        ("zamówien*", "Od tygodnia czekam na zamówienie ze sklepu"),
        ("recept*", "Brak recepty w aptece"),
        ("#recall", "Official #recall notice"),
        ("recall", "Is there a #recall for this batch?"),
    ],
)
def test_topic_keywords_use_the_same_grammar_as_queries(keyword, text):
    """The demo's own topic rules end in "*": they never matched while "*" was escaped."""
    topics = compile_topics([_Topic("delivery", [keyword])])
    assert match_topics(fold(text), topics) == ["delivery"]
    assert _matches(BrandMatcher.build(names=[], keywords=[keyword]), text)


def test_a_prefix_term_does_not_match_inside_a_word():
    topics = compile_topics([_Topic("delivery", ["delay*"])])
    assert match_topics(fold("no undelayed trains"), topics) == []
