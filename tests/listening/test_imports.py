import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.listening.imports import run_import
from apps.listening.mapping import FIELDS
from apps.listening.models import ImportJob, Source
from apps.mentions.models import Mention

CSV = """Message ID;Content;Author;Date;Reach
1;Alpha Crisps er de bedste chips ❤️;Mette;2026-11-01 10:00:00;350
2;;Lars;2026-11-01 11:00:00;10
3;Alpha Crisps kom aldrig frem, ingen svar fra kundeservice;Ola;not a date;20
4;"Alpha Crisps, ""nye"" smag?";Kasia;1762000000;-5
5;Alpha Crisps smager fint;Jonas;2026-11-02T09:00:00+01:00;
"""
MAPPING = {
    "col_id": "Message ID",
    "col_text": "Content",
    "col_author_name": "Author",
    "col_posted_at": "Date",
    "col_author_followers": "Reach",
}


def upload(web, lead, client, brand, name, content: str | bytes, mapping=MAPPING):
    """Upload through the import page, every field mapped as `mapping` says (empty otherwise)."""
    content = content.encode() if isinstance(content, str) else content
    data = {"brand": brand.pk, "platform": "brand24", "file": SimpleUploadedFile(name, content)}
    for field in FIELDS:
        data[f"col_{field}"] = mapping.get(f"col_{field}", "")
    return web(lead).post(reverse("import_list", args=[client.slug]), data)


@pytest.mark.django_db(transaction=True)
def test_csv_import_keeps_good_rows_and_reports_bad_ones_by_line(web, client_a, brand_a, account_lead):
    response = upload(web, account_lead, client_a, brand_a, "export.csv", CSV)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "done" and job.progress_percent == 100
    assert (job.rows_done, job.rows_created, job.rows_bad) == (5, 2, 3)
    assert {e["line"] for e in job.errors} == {3, 4, 5}
    reasons = " ".join(e["error"] for e in job.errors)
    assert "text: missing" in reasons and "posted_at" in reasons and "negative" in reasons
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["1", "5"]
    assert Mention.objects.get(external_id="1").author_followers == 350
    page = web(account_lead).get(reverse("import_detail", args=[client_a.slug, job.pk]))
    assert b"text: missing" in page.content
    finished = AuditEvent.objects.get(action="import.finished")
    assert (finished.actor, finished.after) == (None, {"status": "done", "rows": 5, "created": 2, "bad": 3})


@pytest.mark.django_db(transaction=True)
def test_jsonl_import_and_reimport_creates_nothing_new(web, client_a, brand_a, account_lead):
    lines = "\n".join(
        [
            '{"id": "a", "text": "Alpha Crisps, tak for hurtig levering", "author": {"name": "A", "followers": 5}}',
            "not json",
            '{"id": "b", "text": "Alpha Crisps er for dyre"}',
        ]
    )
    mapping = {
        "col_id": "id",
        "col_text": "text",
        "col_author_name": "author_name",
        "col_author_followers": "author_followers",
    }
    upload(web, account_lead, client_a, brand_a, "export.jsonl", lines, mapping)
    upload(web, account_lead, client_a, brand_a, "again.jsonl", lines, mapping)
    first, second = ImportJob.objects.order_by("pk")
    assert (first.rows_created, first.rows_bad) == (2, 1) and first.errors[0]["line"] == 2
    assert second.rows_created == 0
    assert Mention.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_mapped_column_missing_from_the_file_fails_the_job_with_the_columns_named(
    web, client_a, brand_a, account_lead
):
    upload(web, account_lead, client_a, brand_a, "x.csv", "id,body\n1,hello\n", {"col_id": "id", "col_text": "Text"})
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert "Text" in job.errors[0]["error"] and "body" in job.errors[0]["error"]
    assert AuditEvent.objects.get(action="import.finished").after["status"] == "failed"


@pytest.mark.django_db
def test_upload_form_refuses_bad_input_with_400(web, client_a, brand_a, account_lead):
    response = upload(web, account_lead, client_a, brand_a, "x.exe", "MZ", {"col_id": "", "col_text": ""})
    assert response.status_code == 400
    assert {"col_id", "col_text"} <= set(response.context["form"].errors)
    response = upload(web, account_lead, client_a, brand_a, "x.exe", "MZ")
    assert response.status_code == 400 and "file" in response.context["form"].errors
    assert not ImportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_import_source_is_audited_once_and_a_job_runs_once(web, client_a, brand_a, account_lead):
    upload(web, account_lead, client_a, brand_a, "export.csv", CSV)
    upload(web, account_lead, client_a, brand_a, "again.csv", CSV)
    source = Source.objects.get(kind="import")
    assert AuditEvent.objects.filter(action="source.created", target_id=str(source.pk), actor=account_lead).count() == 1
    first = ImportJob.objects.order_by("pk").first()
    ImportJob.objects.filter(pk=first.pk).update(status=ImportJob.Status.RUNNING, rows_done=0)
    assert run_import(first.pk).rows_done == 0  # a redelivered task finds the job claimed and leaves it


JSONL_MAPPING = {"col_id": "id", "col_text": "text", "col_likes": "likes"}


@pytest.mark.django_db(transaction=True)
def test_hostile_json_lines_are_reported_by_line_and_the_good_ones_kept(web, client_a, brand_a, account_lead):
    lines = "\n".join(
        [
            '{"id": "good-1", "text": "Alpha Crisps, tak"}',
            '{"id": "surrogate", "text": "Alpha Crisps \\ud800"}',
            '{"id": "inf", "text": "Alpha Crisps", "likes": "inf"}',
            "[" * 100_000 + "]" * 100_000,
            '{"id": "good-2", "text": "Alpha Crisps er for dyre"}',
        ]
    )
    upload(web, account_lead, client_a, brand_a, "export.jsonl", lines, JSONL_MAPPING)
    job = ImportJob.objects.get()
    assert job.status == "done" and (job.rows_created, job.rows_bad) == (2, 3)
    reasons = {error["line"]: error["error"] for error in job.errors}
    assert "not valid Unicode" in reasons[2] and "likes" in reasons[3] and "nested too deeply" in reasons[4]
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["good-1", "good-2"]


@pytest.mark.django_db(transaction=True)
def test_a_json_file_nested_100000_deep_ends_failed_with_its_reason(web, client_a, brand_a, account_lead):
    upload(web, account_lead, client_a, brand_a, "export.json", "[" * 100_000 + "]" * 100_000, JSONL_MAPPING)
    job = ImportJob.objects.get()
    assert job.status != "running" and job.rows_bad == 1
    assert "nested too deeply" in job.errors[0]["error"]


# As CrisisLex writes them: spaces after the header's commas, none in the rows, quoted texts.
CRISISLEX_CSV = (
    "Tweet ID, Tweet Text, Information Type, Information Source\n"
    "'296487153485852672',\"Alpha Crisps: fire at the factory in Vejle, 3 hurt http://t.co/x\",Affected,Media\n"
    "'296487153485852673',\"Thinking of everyone at Alpha Crisps, Vejle\",Sympathy,Outsiders\n"
)
CRISISLEX_MAPPING = {"col_id": "Tweet ID", "col_text": "Tweet Text"}


@pytest.mark.django_db(transaction=True)
def test_a_header_with_spaces_after_the_commas_imports_its_rows(web, client_a, brand_a, account_lead):
    """CrisisLex exports write "Tweet ID, Tweet Text, ...": every row came out "text: missing"."""
    upload(web, account_lead, client_a, brand_a, "crisislex.csv", CRISISLEX_CSV, CRISISLEX_MAPPING)
    job = ImportJob.objects.get()
    assert (job.status, job.rows_created, job.rows_bad) == ("done", 2, 0)
    assert Mention.objects.get(external_id="'296487153485852672'").text.startswith("Alpha Crisps: fire at the factory")


@pytest.mark.django_db(transaction=True)
def test_a_utf16_csv_is_read_as_text(web, client_a, brand_a, account_lead):
    content = CRISISLEX_CSV.encode("utf-16")  # with its BOM, as Excel writes "Unicode text"
    upload(web, account_lead, client_a, brand_a, "excel.csv", content, CRISISLEX_MAPPING)
    job = ImportJob.objects.get()
    assert (job.status, job.rows_created) == ("done", 2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("archive.csv", b"PK\x03\x04" + bytes(range(256)) * 40, "ZIP archive"),
        ("noise.csv", bytes((n * 7919) % 256 for n in range(20_000)), "not UTF-8 text"),
        ("nul.csv", "Tweet ID,Tweet Text\n1,Alpha\x00 Crisps\n".encode("utf-16-le"), "not UTF-8 text"),
        ("noise.jsonl", b"PK\x03\x04\x00\x00", "ZIP archive"),
    ],
)
def test_files_that_are_not_text_end_failed_with_a_reason_never_running(
    web, client_a, brand_a, account_lead, name, content, reason
):
    upload(web, account_lead, client_a, brand_a, name, content, CRISISLEX_MAPPING)
    job = ImportJob.objects.get()
    assert job.status == "failed" and reason in job.errors[0]["error"]
    assert AuditEvent.objects.get(action="import.finished").after["status"] == "failed"


@pytest.mark.django_db(transaction=True)
def test_utf16_json_lines_keep_characters_whose_bytes_hold_a_newline(web, client_a, brand_a, account_lead):
    lines = '{"id": "1", "text": "Alpha Crisps 我在上海"}\n{"id": "2", "text": "Alpha Crisps Ċ"}\n'
    upload(web, account_lead, client_a, brand_a, "export.jsonl", lines.encode("utf-16"), JSONL_MAPPING)
    job = ImportJob.objects.get()
    assert (job.status, job.rows_created, job.rows_bad) == ("done", 2, 0)
    assert Mention.objects.get(external_id="1").text == "Alpha Crisps 我在上海"


@pytest.mark.django_db(transaction=True)
def test_utf8_with_many_replacement_characters_already_in_it_is_text(web, client_a, brand_a, account_lead):
    text = "id,text\n" + "".join(f"{n},Alpha Crisps \ufffd\ufffd\ufffd\n" for n in range(200))
    upload(web, account_lead, client_a, brand_a, "mojibake.csv", text, {"col_id": "id", "col_text": "text"})
    assert ImportJob.objects.get().status == "done"
