"""File imports: exports of other listening tools, streamed row by row.

CSV (any delimiter csv.Sniffer recognises), JSON Lines, or a JSON array.
Bad rows are reported with their line and the reason; good rows are kept.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.tenants.models import Brand, Client
from apps.tenants.roles import ClientPerm
from apps.tenants.services import require_client_perm

from . import events
from .mapping import FIELDS, REQUIRED, BadRecord, flatten, record_to_mention
from .models import ImportJob, Source, SourceKind
from .pipeline import EVER, BrandContext, IngestResult, ingest
from .services import check_brand

log = logging.getLogger(__name__)

MAX_STORED_ERRORS = 500
JSON_ARRAY_MAX_BYTES = 50 * 1024 * 1024
FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
csv.field_size_limit(min(sys.maxsize, 10 * 1024 * 1024))


def clean_mapping(mapping: dict) -> dict:
    """Our field -> their column; unmapped fields default to a column of the same name."""
    cleaned = {field: str(mapping.get(field) or "").strip() for field in FIELDS}
    missing = [field for field in REQUIRED if not cleaned[field]]
    if missing:
        raise ValidationError({field: _("Name the column that holds this.") for field in missing})
    return {field: column for field, column in cleaned.items() if column}


@transaction.atomic
def import_start(
    *, actor, client: Client, brand: Brand, uploaded, mapping: dict, platform: str = "import", request=None
) -> ImportJob:
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    check_brand(client=client, brand=brand)
    file_format = FORMATS.get(Path(uploaded.name).suffix.lower())
    if file_format is None:
        raise ValidationError({"file": _("Upload a .csv, .tsv, .jsonl, .ndjson or .json file.")})
    if uploaded.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than the limit.")})
    if file_format == "json" and uploaded.size > JSON_ARRAY_MAX_BYTES:
        raise ValidationError({"file": _("A JSON array this large cannot be streamed; use JSON Lines.")})
    source, created = Source.objects.unscoped().get_or_create(
        client=client,
        brand=brand,
        kind=SourceKind.FILE_IMPORT,
        defaults={"name": _("File imports"), "config": {"platform": platform}},
    )
    if created:
        events.source_created_event(actor=actor, source=source, request=request)
    job = ImportJob.objects.create(
        client=client,
        source=source,
        created_by=actor,
        file=uploaded,
        file_name=Path(uploaded.name).name[:255],
        file_format=file_format,
        mapping={**clean_mapping(mapping), "_platform": platform or "import"},
        bytes_total=uploaded.size,
    )
    events.import_started_event(actor=actor, job=job, request=request)
    from .tasks import run_import_task

    transaction.on_commit(lambda: run_import_task.delay(job.pk))
    return job


class NotText(ValueError):
    """The upload is not text this import reads; the message says what it is instead."""


# How much of the file decides its encoding and its CSV dialect.
SAMPLE_BYTES = 64 * 1024


def _text_encoding(raw) -> str:
    """UTF-8 (with or without BOM) or, by its BOM, UTF-16; NotText for an archive or binary data."""
    head = raw.read(SAMPLE_BYTES)
    raw.seek(0)
    if head.startswith(b"PK\x03\x04"):
        raise NotText(_("The file is a ZIP archive, not a CSV or JSON file: unpack it and upload what is inside."))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # Decoding errors are counted, not U+FFFD characters (an export may hold those already); the
    # sample's cut may split one character at its end.
    errors = _utf8_errors(head)
    if b"\x00" in head or errors > max(3, len(head) // 100):
        raise NotText(_("The file is not UTF-8 text (it looks binary): save it as UTF-8 CSV, JSON or JSON Lines."))
    return "utf-8-sig"


def _utf8_errors(data: bytes, *, enough: int = 1000) -> int:
    """How many bytes sequences of `data` are not UTF-8 (counting stops at `enough`)."""
    errors, start = 0, 0
    while errors < enough:
        try:
            data[start:].decode("utf-8")
        except UnicodeDecodeError as error:
            errors += 1
            start += error.end
        else:
            break
    return errors


def _csv_dialect(sample: str) -> type[csv.Dialect]:
    """One dialect for the header check and the rows: sniffed, with spaces after a delimiter
    skipped (CrisisLex writes "Tweet ID, Tweet Text, ...")."""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        sniffed = csv.excel
    return type("ImportDialect", (sniffed,), {"skipinitialspace": True})


def _csv_text(raw) -> tuple[io.TextIOWrapper, type[csv.Dialect]]:
    text = io.TextIOWrapper(raw, encoding=_text_encoding(raw), errors="replace", newline="")
    dialect = _csv_dialect(text.read(SAMPLE_BYTES))
    text.seek(0)
    return text, dialect


def _rows_csv(raw) -> Iterator[tuple[int, dict | None, str]]:
    text, dialect = _csv_text(raw)
    reader = csv.DictReader(text, dialect=dialect)
    reader.fieldnames = [name.strip() for name in reader.fieldnames or []]  # reads the header line
    try:
        yield from _read_csv(reader)
    finally:
        text.detach()  # keep the file open for the caller's progress and cleanup


def _read_csv(reader) -> Iterator[tuple[int, dict | None, str]]:
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if reader.line_num == last_line:  # the reader cannot move on
                yield reader.line_num, None, f"unreadable CSV: {exc}"
                return
            last_line = reader.line_num
            yield reader.line_num, None, f"unreadable CSV: {exc}"
            continue
        last_line = reader.line_num
        if None in row:
            yield reader.line_num, None, "more values than there are columns"
            continue
        yield reader.line_num, row, ""


def _rows_jsonl(raw) -> Iterator[tuple[int, dict | None, str]]:
    # Lines of text, not of bytes: in UTF-16 a 0x0A byte is half of many characters (上 is 0A 4E).
    lines = io.TextIOWrapper(raw, encoding=_text_encoding(raw), errors="replace", newline="")
    try:
        yield from _json_lines(lines)
    finally:
        lines.detach()  # keep the file open for the caller's progress and cleanup


def _json_lines(lines) -> Iterator[tuple[int, dict | None, str]]:
    for number, line in enumerate(lines, start=1):
        text = line.strip().lstrip("\ufeff")
        if not text:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            yield number, None, "not valid JSON"
            continue
        except RecursionError:
            yield number, None, "nested too deeply"
            continue
        yield (number, flatten(value), "") if isinstance(value, dict) else (number, None, "not a JSON object")


def _rows_json(raw) -> Iterator[tuple[int, dict | None, str]]:
    encoding = _text_encoding(raw)
    try:
        document = json.loads(raw.read().decode(encoding, errors="replace"))
    except ValueError as exc:
        yield 1, None, f"not valid JSON: {exc}"
        return
    except RecursionError:
        yield 1, None, "not valid JSON: nested too deeply"
        return
    items = document.get("mentions", document.get("items")) if isinstance(document, dict) else document
    if not isinstance(items, list):
        yield 1, None, "expected a JSON array of objects"
        return
    for index, value in enumerate(items, start=1):
        yield (index, flatten(value), "") if isinstance(value, dict) else (index, None, "not a JSON object")


def _records(job: ImportJob, raw) -> Iterator[tuple[int, dict | None, str]]:
    rows = {"csv": _rows_csv, "jsonl": _rows_jsonl, "json": _rows_json}[job.file_format](raw)
    columns = {field: column for field, column in job.mapping.items() if not field.startswith("_")}
    for line, row, error in rows:
        if row is None:
            yield line, None, error
            continue
        yield line, {field: row.get(column) for field, column in columns.items()}, ""


def run_import(job_id: int, *, after_lost_worker: bool = False) -> ImportJob:
    # The claim: of redelivered or duplicated tasks, only the one that moves the job out of
    # QUEUED runs it; imports are not repeated.
    claimed = (
        ImportJob.objects.unscoped()
        .filter(pk=job_id, status=ImportJob.Status.QUEUED)
        .update(status=ImportJob.Status.RUNNING)
    )
    job = ImportJob.objects.unscoped().select_related("source__brand").get(pk=job_id)
    if not claimed:
        if after_lost_worker and job.status == ImportJob.Status.RUNNING:
            # The run before was killed with the worker (for memory, a crash): it never ends on its
            # own, so it ends here, with the rows it stored.
            message = _(
                "The worker reading the file stopped (killed, for memory or by a crash) after line "
                "%(line)d; the rows read until then are kept. Import the rest as a smaller file: rows "
                "already stored are not stored twice."
            ) % {"line": job.rows_done}
            _fail(job, list(job.errors), message)
            job.refresh_from_db()
        return job
    context = BrandContext.load(job.source.brand)
    platform = job.mapping.get("_platform", "import")
    errors: list[dict] = []
    totals = IngestResult()
    bad = done = 0
    pending = []
    try:
        with job.file.open("rb") as raw:
            if job.file_format == "csv":
                _check_columns(job, raw)
            for line, record, error in _records(job, raw):
                done += 1
                mention = None
                if record is not None:
                    try:
                        mention = record_to_mention(record, default_platform=platform)
                    except BadRecord as exc:
                        error = str(exc)
                if mention is None:
                    bad += 1
                    if len(errors) < MAX_STORED_ERRORS:
                        errors.append({"line": line, "error": error})
                    continue
                pending.append(mention)
                if len(pending) >= settings.INGEST_BATCH_SIZE:
                    totals.add(_ingest(pending, job, context), keep_ids=False)
                    pending = []
                    _progress(job, raw, done, totals, bad, errors)
            if pending:
                totals.add(_ingest(pending, job, context), keep_ids=False)
            _progress(job, raw, done, totals, bad, errors, finished=ImportJob.Status.DONE)
    except (ValidationError, OSError, NotText) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        _fail(job, errors, message)
    except Exception:
        # Whatever else stops the import ends the job as failed, with the rows stored so far kept.
        log.exception("import %s stopped", job.pk)
        _fail(
            job,
            errors,
            _("The import stopped on an error of ours after %(done)d rows; they are kept.") % {"done": done},
        )
    job.refresh_from_db()
    events.import_finished_event(job=job)
    return job


def _check_columns(job: ImportJob, raw) -> None:
    text, dialect = _csv_text(raw)
    try:
        header = [name.strip() for name in next(csv.reader(text, dialect=dialect), [])]
    finally:
        text.detach()
        raw.seek(0)
    wanted = [column for field, column in job.mapping.items() if not field.startswith("_")]
    missing = [column for column in wanted if column not in header]
    if missing:
        raise ValidationError(
            _("The file has no column %(missing)s. Its columns are: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(header) or _("none")}
        )


def _ingest(mentions, job: ImportJob, context: BrandContext) -> IngestResult:
    return ingest(
        mentions,
        brand=job.source.brand,
        source_id=job.source_id,
        context=context,
        require_match=job.source.require_match,
        catching_up_since=EVER,  # history, counted when it was posted: an import is no spike
    )


def _fail(job: ImportJob, errors: list[dict], message: str) -> None:
    errors.insert(0, {"line": 0, "error": message})
    ImportJob.objects.unscoped().filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, errors=_storable(errors[:MAX_STORED_ERRORS]), finished_at=timezone.now()
    )


def _storable(errors: list[dict]) -> list[dict]:
    # PostgreSQL's jsonb holds no NUL character; a file's own text may bring one.
    return [{**error, "error": str(error["error"]).replace("\x00", "")[:500]} for error in errors]


def _progress(job, raw, done, totals, bad, errors, finished=None) -> None:
    fields = {
        "rows_done": done,
        "rows_created": totals.created,
        "rows_bad": bad,
        "errors": _storable(errors[:MAX_STORED_ERRORS]),
        "bytes_done": min(job.bytes_total, raw.tell()) if not raw.closed else job.bytes_total,
    }
    if finished:
        fields.update(status=finished, finished_at=timezone.now(), bytes_done=job.bytes_total)
    ImportJob.objects.unscoped().filter(pk=job.pk).update(**fields)
