"""Reading the labelled CSV files the evaluate_* commands measure against."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import CommandError


def read_labelled_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every row; a clear CommandError for a missing, unreadable or empty
    file or a missing column, so that a typo in a path never prints a traceback."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in required if column not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(f"{path}: missing column(s) {', '.join(missing)}; need {', '.join(required)}")
            rows = [(reader.line_num, row) for row in reader]
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from error
    except (UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"{path} is not a readable UTF-8 CSV file: {error}") from error
    if not rows:
        raise CommandError(f"{path} has no rows")
    return rows
