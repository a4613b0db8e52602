"""The layers (docs/ARCHITECTURE.md): imports only go down, and upward calls go through registries."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.listening import pipeline
from apps.mentions.services import bulk_actions
from apps.mentions.views import mention_panels

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "apps"


def _contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [contract for contract in config["contracts"] if contract["type"] == "layers"]
    return layers


def test_the_layers_contract_names_every_app():
    packages = {path.parent.name for path in APPS.glob("*/__init__.py")}
    named = {name.strip() for layer in _contract()["layers"] for name in layer.replace(":", "|").split("|")}
    assert named == packages


def test_lint_imports_keeps_the_contract():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def _imported_app(node: ast.ImportFrom) -> str | None:
    if node.level or not node.module or not node.module.startswith("apps."):
        return None
    return node.module.split(".")[1]


def _late_cross_app_imports(path: Path, apps: Path = APPS) -> list[str]:
    """Imports of another app inside a function, except in an AppConfig.ready() that says it fills registries."""
    app = path.relative_to(apps).parts[0]
    found = []
    for function in ast.walk(ast.parse(path.read_text())):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        fills_registries = (
            path.name == "apps.py" and function.name == "ready" and "registr" in (ast.get_docstring(function) or "")
        )
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and _imported_app(node) not in (None, app) and not fills_registries:
                found.append(f"{path.relative_to(apps.parent)}:{node.lineno} {node.module}")
    return found


def test_no_function_imports_another_app_except_to_fill_a_registry():
    found = [
        hit
        for path in sorted(APPS.rglob("*.py"))
        if "migrations" not in path.parts
        for hit in _late_cross_app_imports(path)
    ]
    assert found == []


def test_the_checker_sees_a_late_import_and_lets_a_registry_filler_pass(tmp_path):
    late = tmp_path / "apps" / "mentions" / "late.py"
    late.parent.mkdir(parents=True)
    late.write_text(
        "def f():\n    from apps.risk.models import RiskRating\n    from apps.mentions.models import Mention\n"
    )
    filler = late.with_name("apps.py")
    filler.write_text('def ready():\n    """Fills the registries."""\n    from apps.risk.models import RiskRating\n')
    assert _late_cross_app_imports(late, tmp_path / "apps") == ["apps/mentions/late.py:2 apps.risk.models"]
    assert _late_cross_app_imports(filler, tmp_path / "apps") == []


def test_registries_hold_the_higher_apps_parts_in_their_order():
    # Risk rates before routing assigns: who gets a mention depends on its rating; an active
    # incident raises its matches in between, so they go to someone with room for high risk.
    assert pipeline.ingest_steps.keys() == ["risk", "incidents", "routing"]
    # Counting for crisis detection comes last: its upsert locks the brand's row until commit.
    assert pipeline.after_insert.keys() == ["routing", "incidents", "detection"]
    assert pipeline.on_growth.keys() == ["risk"]
    assert bulk_actions.keys() == ["assign", "status", "add_topic", "link", "risk", "incident", "archive"]
    assert mention_panels.keys() == ["rating", "assignee", "answers", "incidents"]


# Parameters whose type every service and selector states (DESIGN.md: keyword-only, typed).
TYPED_PARAMETERS = {"actor", "user", "client", "mention", "brand", "request"}


def _signature_faults(path: Path) -> list[str]:
    faults = []
    for node in ast.parse(path.read_text()).body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        where = f"{path.parent.name}/{path.name}:{node.lineno} {node.name}"
        positional = [arg.arg for arg in node.args.posonlyargs + node.args.args]
        if positional:
            faults.append(f"{where}: positional {positional}")
        untyped = [arg.arg for arg in node.args.kwonlyargs if arg.arg in TYPED_PARAMETERS and arg.annotation is None]
        if untyped:
            faults.append(f"{where}: untyped {untyped}")
        if node.returns is None:
            faults.append(f"{where}: no return type")
    return faults


def test_services_and_selectors_are_keyword_only_and_typed():
    modules = sorted(path for path in APPS.rglob("*.py") if path.name in ("services.py", "selectors.py"))
    assert len(modules) >= 15
    assert [fault for path in modules for fault in _signature_faults(path)] == []


def test_the_signature_check_sees_positional_untyped_and_unreturned(tmp_path):
    module = tmp_path / "services.py"
    module.write_text("def a(user):\n    pass\ndef b(*, actor) -> None:\n    pass\ndef _c(x):\n    pass\n")
    assert _signature_faults(module) == [
        f"{tmp_path.name}/services.py:1 a: positional ['user']",
        f"{tmp_path.name}/services.py:1 a: no return type",
        f"{tmp_path.name}/services.py:3 b: untyped ['actor']",
    ]


def test_ready_may_run_twice_without_conflict_or_duplicates():
    """Django may call AppConfig.ready() more than once (e.g. when tests repopulate the apps)."""
    from django.apps import apps as django_apps

    before = (pipeline.ingest_steps.keys(), bulk_actions.keys(), mention_panels.keys())
    for config in django_apps.get_app_configs():
        if config.name.startswith("apps."):
            config.ready()
    assert (pipeline.ingest_steps.keys(), bulk_actions.keys(), mention_panels.keys()) == before


@pytest.mark.django_db
def test_the_models_and_their_migrations_agree():
    """A changed model (a new choice counts) comes with its migration."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
