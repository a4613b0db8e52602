"""Crisis mode in a real browser: a post is scheduled and approved, an incident is declared and
its proposal holds the brand's posts, the calendar shows the post held, the hold is lifted and
the post is released through approval again."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.posts.models import PostState, ScheduledPost
from apps.responses.models import AnswerState
from tests.factories import CrisisTypeFactory, SourceFactory

pytestmark = pytest.mark.browser


def approve(page, sign_in, person, client_slug):
    sign_in(person)
    page.goto(reverse("approvals", args=[client_slug]))
    page.get_by_role("link", name="Decide").first.click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record my decision").click()
    page.get_by_text("Your decision is recorded.").wait_for()


def test_schedule_hold_for_an_incident_see_it_held_and_release_it_through_approval(
    page, sign_in, responder, account_lead, client_a, brand_a
):
    source = SourceFactory(
        brand=brand_a,
        name="Alpha on Mastodon",
        kind="mastodon",
        own_channel=True,
        config={"base_url": "https://mastodon.example", "mode": "hashtag", "hashtag": "alpha"},
    )
    source.set_credentials({"access_token": "brand-token"})
    source.save()
    kind = CrisisTypeFactory(name="Product failure")
    slug = client_a.slug

    sign_in(responder)
    page.goto(reverse("post_compose", args=[slug]))
    page.get_by_label("Brand").select_option(label=brand_a.name)
    page.get_by_label(f"{brand_a.name} · Alpha on Mastodon (Mastodon)").check()
    page.get_by_label("Text").fill("Vores nye vinterchips er her! 🎉")
    when = timezone.localtime() + timedelta(hours=3)
    page.get_by_label("Goes out at").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save and send for approval").click()
    page.get_by_text("Saved.").wait_for()
    approve(page, sign_in, account_lead, slug)
    post = ScheduledPost.objects.get()
    assert post.state == PostState.SCHEDULED

    sign_in(account_lead)
    page.goto(reverse("incident_declare", args=[slug]))
    page.get_by_label("Title").fill("Leaking cans")
    page.get_by_label("Kind of crisis").select_option(label=kind.name)
    page.get_by_label("Severity").select_option("1")
    page.get_by_label(brand_a.name).check()
    page.get_by_role("button", name="Declare").click()
    page.get_by_role("button", name=f"Hold {brand_a.name}'s posts").click()
    page.get_by_text("On hold: nothing in its scope goes out.").wait_for()
    post.refresh_from_db()
    assert post.state == PostState.HELD

    page.goto(reverse("post_calendar", args=[slug]) + f"?week={when.date().isoformat()}")
    assert "held" in page.locator(".calendar").inner_text()
    page.goto(reverse("holds", args=[slug]))
    page.get_by_role("button", name="Lift").click()
    page.get_by_text("Lifted. Release what it held").wait_for()
    page.locator(f"#held-{post.pk}").check()
    page.get_by_role("button", name="Release the chosen, through approval").click()
    page.get_by_text("1 posts released").wait_for()
    post.refresh_from_db()
    assert post.state == PostState.DRAFT and post.answer.state == AnswerState.PENDING
    approve(page, sign_in, account_lead, slug)
    post.refresh_from_db()
    assert post.state == PostState.SCHEDULED
