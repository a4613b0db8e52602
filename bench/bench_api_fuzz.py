"""schemathesis over every operation of the OpenAPI schema, 30 generated examples each (issue 15).

Runs tests/fuzz (the same test `make test` runs with fewer examples) and reports how many
answers were 500 and how long it took. Figures: api_fuzz_500_responses, api_fuzz_seconds.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from common import report

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = os.environ.get("BENCH_FUZZ_EXAMPLES", "30")


def main() -> None:
    began = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:randomly", "tests/fuzz", "-o", "addopts="],
        cwd=ROOT,
        env={**os.environ, "FUZZ_EXAMPLES": EXAMPLES, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    server_errors = len(re.findall(r"-> 5\d\d", run.stdout))
    summary = run.stdout.splitlines()[-1] if run.stdout else ""
    operations = sum(int(count) for count in re.findall(r"(\d+) (?:passed|failed)", summary))
    report("api_fuzz_500_responses", server_errors, "count", examples_per_operation=int(EXAMPLES))
    report("api_fuzz_seconds", seconds, "s", operations=operations)
    if run.returncode not in (0, 1):
        print(run.stdout[-2000:], run.stderr[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
