"""Business hours and holidays come from risk with their tables: only the state moves."""

import django.db.models.deletion
from django.db import migrations, models

from apps.core.migration_helpers import moved_model


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0003_lean_indexes'),
        ('risk', '0002_lean_indexes'),  # the tables it takes over are made there
        ('tenants', '0002_membership_capacity'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BusinessHoursBlock',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('weekday', models.PositiveSmallIntegerField(verbose_name='weekday')),
                        ('opens', models.TimeField(verbose_name='opens')),
                        ('closes', models.TimeField(verbose_name='closes')),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='business_hours', to='tenants.client')),
                    ],
                    options={
                        'db_table': 'risk_businesshoursblock',
                        'ordering': ['weekday', 'opens'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('weekday__lte', 6)), name='business_hours_weekday_range')],
                    },
                ),
                migrations.CreateModel(
                    name='Holiday',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='date')),
                        ('name', models.CharField(blank=True, max_length=120, verbose_name='name')),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='holidays', to='tenants.client')),
                    ],
                    options={
                        'db_table': 'risk_holiday',
                        'ordering': ['date'],
                        'constraints': [models.UniqueConstraint(fields=('client', 'date'), name='holiday_once_per_day')],
                    },
                ),
            ],
        ),
        migrations.RunPython(*moved_model("risk", "tenants", "businesshoursblock")),
        migrations.RunPython(*moved_model("risk", "tenants", "holiday")),
    ]
