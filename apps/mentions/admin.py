from django.contrib import admin
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin
from apps.tenants.models import BRAND_LANGUAGES

from .models import Mention, MentionLink, MentionNote, SavedView

PLATFORMS_CACHE_KEY = "admin:mention-platforms"
PLATFORMS_CACHE_SECONDS = 600


class LanguageFilter(admin.SimpleListFilter):
    """The languages mentions are detected in; Django's own filter would read every row for them."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return [*BRAND_LANGUAGES, ("unknown", _("Unknown"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(language="" if value == "unknown" else value)


class PlatformFilter(admin.SimpleListFilter):
    """Platforms are open-ended (webhooks and imports name their own), so they are read from the
    data, but only every few minutes: a DISTINCT over every mention on each page would cost more
    than the page."""

    title = _("platform")
    parameter_name = "platform"

    def lookups(self, request, model_admin):
        platforms = cache.get(PLATFORMS_CACHE_KEY)
        if platforms is None:
            platforms = sorted(Mention.objects.unscoped().values_list("platform", flat=True).distinct().order_by())
            cache.set(PLATFORMS_CACHE_KEY, platforms, PLATFORMS_CACHE_SECONDS)
        return [(platform, platform) for platform in platforms]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value is None else queryset.filter(platform=value)


@admin.register(Mention)
class MentionAdmin(ReadOnlyAdmin):
    """Agency admins look mentions up here; they are worked, archived and purged in the app."""

    list_display = [
        "platform",
        "brand",
        "client",
        "author_name",
        "risk_level",
        "risk_score",
        "status",
        "language",
        "sentiment",
        "posted_at",
    ]
    list_filter = ["status", "risk_level", PlatformFilter, LanguageFilter, "sentiment", "kind", "client"]
    search_fields = ["text", "author_name", "author_handle"]
    list_select_related = ["brand", "client"]
    ordering = ["-posted_at"]
    list_per_page = 50
    # One count per page (the filtered one), not a second over every mention.
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["client", "brand", "source", "platform", "external_id", "url", "parent_external_id"]}),
        (_("Author"), {"fields": ["author_name", "author_handle", "author_url", "author_followers"]}),
        (
            _("Content"),
            {
                "fields": [
                    "title",
                    "text",
                    "posted_at",
                    "ingested_at",
                    ("language", "language_confidence"),
                    ("sentiment", "sentiment_score"),
                    "kind",
                    "topics",
                    ("likes", "reposts", "replies"),
                    "content_hash",
                    "duplicate_of",
                ]
            },
        ),
        (
            _("Handling"),
            {
                "fields": [
                    "status",
                    "status_changed_at",
                    "status_reason",
                    "private_channel",
                    ("assignee", "assigned_at"),
                    "first_response_at",
                    "archived_at",
                ]
            },
        ),
        (
            _("Risk"),
            {
                "fields": [
                    ("risk_score", "risk_level", "risk_overridden"),
                    "risk_factors",
                    "rated_at",
                    ("response_warn_at", "response_due_at"),
                ]
            },
        ),
        (_("Original payload"), {"classes": ["collapse"], "fields": ["raw"]}),
    ]


@admin.register(MentionNote)
class MentionNoteAdmin(ReadOnlyAdmin):
    list_display = ["mention", "client", "author", "created_at"]
    list_filter = ["client"]
    list_select_related = ["mention", "client", "author"]
    ordering = ["-created_at"]


@admin.register(MentionLink)
class MentionLinkAdmin(ReadOnlyAdmin):
    list_display = ["first", "second", "client", "created_by", "created_at"]
    list_filter = ["client"]
    list_select_related = ["first", "second", "client", "created_by"]
    ordering = ["-created_at"]


@admin.register(SavedView)
class SavedViewAdmin(ReadOnlyAdmin):
    list_display = ["name", "client", "owner", "shared", "created_at"]
    list_filter = ["shared", "client"]
    list_select_related = ["client", "owner"]
    search_fields = ["name"]
