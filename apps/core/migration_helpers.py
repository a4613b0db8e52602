"""Steps that migrations moving a model to another app share: its content type and audit rows follow."""

from __future__ import annotations


def moved_model(old_app: str, new_app: str, model: str):
    """A RunPython pair that moves `model`'s content type (and so its permissions) and the audit
    trail's `target_type` from `old_app` to `new_app`, and back."""

    def move(apps, schema_editor, source=old_app, target=new_app):
        content_types = apps.get_model("contenttypes", "ContentType")
        if not content_types.objects.filter(app_label=target, model=model).exists():
            content_types.objects.filter(app_label=source, model=model).update(app_label=target)
        audit_events = apps.get_model("core", "AuditEvent")
        audit_events.objects.filter(target_type=f"{source}.{model}").update(target_type=f"{target}.{model}")

    def back(apps, schema_editor):
        move(apps, schema_editor, source=new_app, target=old_app)

    return move, back
