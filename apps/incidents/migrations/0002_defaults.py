"""The agency's starting lists: kinds of crisis and what each severity means (editable later)."""

from django.db import migrations

CRISIS_TYPES = [
    "Product failure",
    "Service outage",
    "Employee conduct",
    "Executive statement",
    "Data breach",
    "Campaign backlash",
    "Industry-wide",
    "Misinformation",
    "Other",
]
SEVERITIES = [
    (1, "Critical", "Spreading across channels or in the news; the client's reputation or safety is at stake.", 30),
    (2, "Major", "A marked rise in volume or negative tone on one or two channels; it may spread.", 60),
    (3, "Minor", "Contained to a few posts or one community; watch it and answer.", 240),
]


def add(apps, schema_editor):
    crisis_type = apps.get_model("incidents", "CrisisType")
    severity = apps.get_model("incidents", "Severity")
    for position, name in enumerate(CRISIS_TYPES):
        crisis_type.objects.get_or_create(name=name, defaults={"position": position})
    for level, name, meaning, minutes in SEVERITIES:
        severity.objects.get_or_create(
            level=level, defaults={"name": name, "meaning": meaning, "update_every_minutes": minutes}
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
