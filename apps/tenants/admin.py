from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin

from . import services
from .models import Brand, Client, Membership


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    """Clients are created here; creation goes through the service and is audited."""

    list_display = ["name", "slug", "is_active", "timezone"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    fields = ["name", "slug", "timezone"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = services.client_create(actor=request.user, name=obj.name, slug=obj.slug, timezone=obj.timezone)
        obj.pk = created.pk


@admin.register(Brand)
class BrandAdmin(ReadOnlyAdmin):
    list_display = ["name", "client", "slug"]
    list_filter = ["client"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "client", "role", "created_at"]
    list_filter = ["role", "client"]
