"""Topic comes from listening with its table (listening_topic): only the state moves."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

from apps.core.migration_helpers import moved_model


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0003_lean_indexes'),
        ('mentions', '0008_open_work_index'),
        ('tenants', '0003_moved_models'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Topic',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('name', models.CharField(max_length=80, verbose_name='name')),
                        ('keywords', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=120), default=list, size=None, verbose_name='keywords')),
                        ('sensitive', models.BooleanField(default=False, verbose_name='sensitive')),
                        ('brand', models.ForeignKey(blank=True, help_text='Empty: the topic applies to every brand of the client.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='topics', to='tenants.brand')),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='topics', to='tenants.client')),
                    ],
                    options={
                        'verbose_name': 'topic',
                        'verbose_name_plural': 'topics',
                        'db_table': 'listening_topic',
                        'ordering': ['name'],
                        'constraints': [models.UniqueConstraint(fields=('client', 'brand', 'name'), name='topic_name_per_brand')],
                    },
                ),
            ],
        ),
        migrations.RunPython(*moved_model("listening", "mentions", "topic")),
    ]
