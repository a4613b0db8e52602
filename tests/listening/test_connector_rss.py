import time
from pathlib import Path

import pytest

from apps.core.http import FetchError, SafeHttpClient
from apps.listening.connectors.rss import connector, parse_feed, unwrap_google_redirect
from apps.listening.enrichment.text import clean_text


def fetch(url, cursor=None):
    with SafeHttpClient(allow_private=True) as http:
        return connector.fetch(config={"url": url}, credentials={}, cursor=cursor or {}, http=http)


def test_google_alerts_links_are_unwrapped_and_titles_keep_their_markup_for_cleaning(samples, httpserver):
    body = (samples / "feeds/google_alerts/feedjira_google_alerts_atom.xml").read_bytes()
    httpserver.expect_request("/alerts").respond_with_data(body, content_type="application/atom+xml")
    result = fetch(httpserver.url_for("/alerts"))
    assert len(result.mentions) == 20
    first = result.mentions[0]
    assert first.url.startswith("https://www.aglobalmarketresearch.com/")
    assert "google.com/url" not in " ".join(m.url for m in result.mentions)
    assert first.external_id.startswith("tag:google.com,2013:googlealerts/feed:")
    assert first.is_html and first.posted_at is not None


@pytest.mark.parametrize(
    "name,count",
    [
        ("feedjira_AmazonWebServicesBlog.xml", 10),
        ("feedjira_TechCrunch.xml", 20),
        ("feedjira_json_feed.json", 20),
        ("feedjira_youtube_atom.xml", 15),
    ],
)
def test_rss_atom_and_json_feed(samples, name, count):
    mentions = parse_feed((samples / "feeds/blogs" / name).read_bytes())
    assert len(mentions) == count
    assert all(m.external_id and (m.text or m.title) for m in mentions)
    assert len({m.external_id for m in mentions}) == count


def test_unchanged_feed_yields_nothing_new_and_conditional_get_is_used(samples, httpserver):
    body = (samples / "feeds/blogs/feedjira_TechCrunch.xml").read_bytes()
    httpserver.expect_request("/feed").respond_with_data(body, headers={"ETag": '"v1"'})
    first = fetch(httpserver.url_for("/feed"))
    assert len(first.mentions) == 20 and first.cursor["etag"] == '"v1"'
    httpserver.clear()
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    second = fetch(httpserver.url_for("/feed"), first.cursor)
    assert second.mentions == []
    httpserver.clear()
    httpserver.expect_request("/feed").respond_with_data(body)  # a server that ignores validators
    third = fetch(httpserver.url_for("/feed"), first.cursor)
    assert third.mentions == []


def test_google_redirect_unwrapping_leaves_other_links_alone():
    assert (
        unwrap_google_redirect("https://www.google.com/url?rct=j&url=https://a.example/x&ct=ga")
        == "https://a.example/x"
    )
    assert unwrap_google_redirect("https://www.google.com/url?url=javascript:alert(1)").startswith("https://www.google")
    assert (
        unwrap_google_redirect("https://news.example/a?url=https://b.example")
        == "https://news.example/a?url=https://b.example"
    )


def test_every_malformed_sample_parses_quickly_or_fails_cleanly(samples):
    for path in sorted((samples / "feeds/malformed").iterdir()):
        started = time.monotonic()
        try:
            mentions = parse_feed(path.read_bytes())
        except FetchError:
            mentions = []
        assert time.monotonic() - started < 2, path.name
        for mention in mentions:
            assert isinstance(mention.text, str)


def test_internal_entities_in_a_doctype_expand_but_only_flat_ones(samples):
    mentions = parse_feed((samples / "feeds/malformed/feedparser_wellformed__rss__entity_in_doctype.xml").read_bytes())
    assert mentions[0].external_id == "tag:example.com,2006-05-04:/blog/"


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>&f;</title><description>&f;</description></item></channel></rss>"""


def test_entity_bomb_does_not_expand():
    started = time.monotonic()
    try:
        mentions = parse_feed(BOMB)
    except FetchError:
        mentions = []
    assert time.monotonic() - started < 2
    assert all(len(m.title) + len(m.text) < 10_000 for m in mentions)


def test_external_entities_are_never_fetched(other_server):
    other_server.expect_request("/xxe").respond_with_data("LEAKED")
    hostile = f"""<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY leak SYSTEM "http://127.0.0.1:{other_server.port}/xxe">
                <!ENTITY file SYSTEM "file:///etc/passwd"> ]>
<rss version="2.0"><channel><item><guid>x</guid><title>&leak;</title><description>&file;</description></item>
</channel></rss>""".encode()
    mentions = parse_feed(hostile)
    assert other_server.log == []
    assert all("LEAKED" not in m.title and "root:" not in m.text for m in mentions)


def test_garbage_and_http_errors_become_fetch_errors(httpserver):
    httpserver.expect_request("/garbage").respond_with_data(b"\x00\xff garbage {not a feed")
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    for path in ("/garbage", "/broken"):
        with pytest.raises(FetchError):
            fetch(httpserver.url_for(path))


def test_config_must_be_an_http_url():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        connector.validate_config({"url": "file:///etc/passwd"}, {})
    assert "url" in caught.value.message_dict


def test_one_bad_date_in_a_json_feed_does_not_lose_the_feed():
    feed = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
        {"id": "1", "content_text": "fine", "date_published": "2020-13-45T99:00:00Z"},
        {"id": "2", "content_text": "naive date", "date_published": "2020-01-02T03:04:05"},
        {"id": "3", "content_html": "<p>ok</p>", "date_published": "2020-01-02T03:04:05+02:00"}]}"""
    first, second, third = parse_feed(feed)
    assert first.posted_at is None
    assert second.posted_at.tzinfo is not None and third.posted_at.hour == 1


CYRILLIC_RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Новости</title><link>https://news.example/</link>
<item><guid>n-1</guid><title>Компания Альфа отзывает чипсы</title><link>https://news.example/1</link>
<description>Покупатели жалуются на вкус</description><pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate></item>
</channel></rss>"""


@pytest.mark.parametrize("charset", ["koi8-r", "windows-1251"])
def test_the_charset_of_the_http_header_is_used_for_a_feed_that_names_none(httpserver, charset):
    body = CYRILLIC_RSS.encode(charset)
    httpserver.expect_request("/ru").respond_with_data(body, content_type=f"application/rss+xml; charset={charset}")
    [item] = fetch(httpserver.url_for("/ru")).mentions
    assert item.title == "Компания Альфа отзывает чипсы"
    assert item.text == "Покупатели жалуются на вкус"


def test_hebrew_and_japanese_feeds_by_their_header(httpserver):
    for path, charset, title in (("/he", "windows-1255", "חברת אלפא"), ("/ja", "shift_jis", "アルファ社の新商品")):
        body = CYRILLIC_RSS.replace("Компания Альфа отзывает чипсы", title).replace(
            "Покупатели жалуются на вкус", title
        )
        body = body.replace("Новости", "x").encode(charset)
        httpserver.expect_request(path).respond_with_data(body, content_type=f"application/rss+xml; charset={charset}")
        [item] = fetch(httpserver.url_for(path)).mentions
        assert item.title == title


PORTUGUESE_RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Notícias</title><link>https://noticias.example/</link>
<item><guid>pt-1</guid><title>Alpha Crisps no Brasil</title><link>https://noticias.example/1</link>
<description>Lançamento da Alpha Crisps</description><pubDate>terça, 3 março 2020 10:00:00</pubDate></item>
</channel></rss>"""


def test_a_date_the_parser_cannot_read_stays_unknown_not_the_poll_time(httpserver):
    httpserver.expect_request("/pt").respond_with_data(PORTUGUESE_RSS, content_type="application/rss+xml")
    [item] = fetch(httpserver.url_for("/pt")).mentions
    assert item.posted_at is None


def entity_bomb(references: int, entity_chars: int = 100_000) -> bytes:
    return (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "' + "x" * entity_chars + '">]>'
        '<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>Alpha</title>'
        "<description>" + "&big;" * references + "</description></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize("references", [1_000, 20_000])
def test_an_entity_bomb_is_refused_before_any_parser_expands_it(httpserver, references):
    httpserver.expect_request("/bomb").respond_with_data(entity_bomb(references), content_type="application/rss+xml")
    began = time.monotonic()
    with pytest.raises(FetchError, match="entities that expand to more than"):
        fetch(httpserver.url_for("/bomb"))
    assert time.monotonic() - began < 2


def test_nested_entities_count_as_expanded_and_a_small_entity_is_fine():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8))
        + ']><rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>&i;</title></item></channel></rss>'
    ).encode()
    with pytest.raises(FetchError, match="entities"):
        parse_feed(laughs)
    small = entity_bomb(3, entity_chars=10).replace(b"<title>Alpha</title>", b"<title>Alpha &big;</title>")
    [item] = parse_feed(small)
    assert item.title.startswith("Alpha")


def _bomb(doctype: str, reference: str = "&a;", before: str = "") -> str:
    body = '<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>Alpha</title><description>'
    return (
        '<?xml version="1.0"?>'
        + before
        + doctype
        + body
        + (reference * 1_000)
        + "</description></item></channel></rss>"
    )


VALUE = "x" * 5_000  # 1,000 references: 5 million characters once expanded


@pytest.mark.parametrize(
    ("feed", "encoding"),
    [
        (_bomb(f'<!DOCTYPE rss>\n<!ENTITY a "{VALUE}">'), "utf-8"),  # declared outside a subset
        (_bomb(f'<!DOCTYPE rss SYSTEM "x>y" [<!ENTITY a "{VALUE}">]>'), "utf-8"),
        (_bomb(f'<!DOCTYPE rss [<!ENTITY a "{VALUE}" junk>]>'), "utf-8"),
        (_bomb(f'<!DOCTYPE rss [<!ENTITY z "]>"><!ENTITY a "{VALUE}">]>'), "utf-8"),
        (_bomb(f'<!DOCTYPE rss [<!ENTITY a "{VALUE}">]>'), "utf-16"),
        (_bomb(f'<!DOCTYPE rss [<!ENTITY a "{VALUE}">]>', reference="&a "), "utf-8"),  # no ";"
        (_bomb(f'<!DOCTYPE rss [<!ENTITY a "{VALUE}">]>', before="<!--" + "c" * 1_100_000 + "-->"), "utf-8"),
        (_bomb('<!DOCTYPE rss [<!ENTITY % p "x"><!ENTITY a "y">]>'), "utf-8"),  # parameter entity
    ],
)
def test_entity_bombs_in_every_shape_are_refused(feed, encoding):
    began = time.monotonic()
    with pytest.raises(FetchError, match=r"entities|binary data"):  # never expanded either way
        parse_feed(feed.encode(encoding), content_type=f"application/rss+xml; charset={encoding}")
    assert time.monotonic() - began < 2
    with pytest.raises(FetchError):
        parse_feed(feed.encode(encoding))  # and without the header's charset


FEEDS = Path(__file__).parent / "feeds"


def test_a_news_item_is_its_article_not_its_photo_caption(httpserver):
    """feedparser files media:description under content; the article is the item's description."""
    body = (FEEDS / "news_with_photo_captions.xml").read_bytes()
    httpserver.expect_request("/world").respond_with_data(body, content_type="application/rss+xml")
    [mention] = fetch(httpserver.url_for("/world")).mentions
    text = clean_text(mention.text, is_html=mention.is_html)
    assert text.startswith("Twelve workers were injured when a fire broke out at the Havbris bottling plant")
    assert "Smoke rises" not in text


def test_a_video_feed_keeps_its_description_as_the_text(samples):
    """Where media:description is all an entry has (YouTube's feed), it is the text."""
    first = parse_feed((samples / "feeds/blogs/feedjira_youtube_atom.xml").read_bytes())[0]
    assert first.text.startswith("A question is the most powerful force in the world.")


def test_reddit_self_text_escaped_twice_is_stored_as_text(httpserver):
    body = (FEEDS / "reddit_subreddit.xml").read_bytes()
    httpserver.expect_request("/r/Havbris/.rss").respond_with_data(body, content_type="application/atom+xml")
    twice, once = fetch(httpserver.url_for("/r/Havbris/.rss")).mentions
    # The self-text only: no markup, no "submitted by" footer, entities read once each.
    assert clean_text(twice.text, is_html=True) == "Havbris sold me a flat crate & nobody answers."
    assert clean_text(once.text, is_html=True) == "Havbris is great & cheap."


def test_text_that_merely_mentions_markup_is_left_alone():
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><guid>1</guid>'
        b"<description>Use &amp;lt;div&amp;gt; for blocks, says &lt;b&gt;Havbris&lt;/b&gt;</description>"
        b"</item></channel></rss>"
    )
    [mention] = parse_feed(feed)
    assert clean_text(mention.text, is_html=True) == "Use <div> for blocks, says Havbris"
