"""An answer to a mention is an Answer, also once it went out: Draft and DraftVersion are renamed.

Tables and columns are renamed in place (no row is copied); index and constraint names stay.
The audit trail's codes follow, so one history reads in one vocabulary.
"""

import django.db.models.deletion
from django.db import migrations, models

# Answer events name their answer in `after` ({"draft": id} before, {"answer": id} now).
AUDIT_SQL = (
    "UPDATE core_auditevent SET action = 'answer.' || substr(action, 7),"
    " after = CASE WHEN after ? 'draft' THEN (after - 'draft') || jsonb_build_object('answer', after -> 'draft')"
    " ELSE after END WHERE action LIKE 'draft.%%'",
)
AUDIT_REVERSE_SQL = (
    "UPDATE core_auditevent SET action = 'draft.' || substr(action, 8),"
    " after = CASE WHEN after ? 'answer' THEN (after - 'answer') || jsonb_build_object('draft', after -> 'answer')"
    " ELSE after END WHERE action LIKE 'answer.%%'",
)


class Migration(migrations.Migration):

    dependencies = [
        ("responses", "0002_publishing"),
        ("core", "0003_lean_indexes"),
        ("mentions", "0009_moved_models"),
    ]

    operations = [
        migrations.RenameModel("Draft", "Answer"),
        migrations.RenameModel("DraftVersion", "AnswerVersion"),
        migrations.RenameField("answerversion", "draft", "answer"),
        migrations.RenameField("approvaldecision", "draft", "answer"),
        migrations.AlterModelOptions(
            name="answer",
            options={"verbose_name": "answer", "verbose_name_plural": "answers"},
        ),
        migrations.AlterModelOptions(
            name="answerversion",
            options={"ordering": ["answer", "number"], "verbose_name": "answer version", "verbose_name_plural": "answer versions"},
        ),
        migrations.AlterField(
            model_name="answer",
            name="mention",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="answers", to="mentions.mention"
            ),
        ),
        migrations.AlterField(
            model_name="approvalpolicy",
            name="allow_self_approval",
            field=models.BooleanField(
                default=False,
                help_text="Off: someone else must approve.",
                verbose_name="authors may approve their own answers",
            ),
        ),
        # The database's constraint followed the renamed column: only the state names it anew.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="answerversion", name="draft_version_unique_number"),
                migrations.AddConstraint(
                    model_name="answerversion",
                    constraint=models.UniqueConstraint(fields=("answer", "number"), name="draft_version_unique_number"),
                ),
            ],
        ),
        migrations.RunSQL(list(AUDIT_SQL), list(AUDIT_REVERSE_SQL)),
    ]
