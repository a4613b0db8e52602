from django.contrib import admin

from .models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the app's pages so permissions and the audit trail follow."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The trail is append-only, here as everywhere."""

    list_display = ["occurred_at", "actor_label", "action", "target_repr", "client"]
    list_filter = ["action", "client"]
    search_fields = ["actor_label", "target_repr"]
