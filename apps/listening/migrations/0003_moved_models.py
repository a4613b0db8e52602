"""The Topic model now belongs to mentions (mentions.0009): only the state moves, the table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('mentions', '0009_moved_models'),
        ('listening', '0002_source_own_channel'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Topic',
                ),
            ],
        ),
    ]
