"""Business hours and holidays now belong to tenants (tenants.0003): only the state moves, the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0003_moved_models'),
        ('risk', '0002_lean_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='holiday',
                    name='client',
                ),
                migrations.DeleteModel(
                    name='BusinessHoursBlock',
                ),
                migrations.DeleteModel(
                    name='Holiday',
                ),
            ],
        ),
    ]
