"""The agency's lists for incidents, shown read-only: changes go through the app's pages (to
come with the roles issue) so that permissions and the audit trail follow."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin

from .models import CrisisType, Severity


@admin.register(CrisisType)
class CrisisTypeAdmin(ReadOnlyAdmin):
    list_display = ["name", "position", "active"]


@admin.register(Severity)
class SeverityAdmin(ReadOnlyAdmin):
    list_display = ["level", "name", "update_every_minutes"]
