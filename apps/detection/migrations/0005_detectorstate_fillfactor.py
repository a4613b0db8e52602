from django.db import migrations


class Migration(migrations.Migration):
    """Room in each page for the new version of a state row: the detector pass rewrites every
    row every minute, and an update that fits its page (HOT) touches no index."""

    dependencies = [("detection", "0004_more_metrics")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE detection_detectorstate SET (fillfactor = 50)",
            "ALTER TABLE detection_detectorstate RESET (fillfactor)",
        )
    ]
