"""Scoping by structure: the scoped bases refuse overrides, and pages and API read client rows only through them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.views import View

from apps.tenants.mixins import ClientScopedMixin, ClientScopedViewSet
from apps.tenants.scoping import ClientOwnedQuerySet

APPS = Path(__file__).resolve().parents[2] / "apps"
# Where requests meet rows: pages, API resources, forms and serializers, the push receiver.
REQUEST_MODULES = ("api.py", "views.py", "setup_views.py", "forms.py", "serializers.py", "webhooks.py")
# What may follow `Model.objects` for a client-owned model there: the scoping entry point, the
# grep-able cross-client escape, and the empty set (field declarations, schema generation).
ENTRY_POINTS = {"visible_to", "unscoped", "none"}


@pytest.mark.parametrize("method", ["get_queryset", "get_object"])
@pytest.mark.parametrize("base", [ClientScopedViewSet, ClientScopedMixin])
def test_a_scoped_base_refuses_a_subclass_that_overrides_its_reads(base, method):
    with pytest.raises(ImproperlyConfigured, match=f"overrides {method}"):
        type("Leaky", (base, View) if base is ClientScopedMixin else (base,), {method: lambda self: None})


def test_a_scoped_base_accepts_the_hook():
    class Narrowed(ClientScopedViewSet):
        def scoped_queryset(self):
            return super().scoped_queryset()

    assert Narrowed.get_queryset is ClientScopedViewSet.get_queryset


def _client_owned_models() -> set[str]:
    return {
        model.__name__
        for model in django_apps.get_models()
        if isinstance(model._default_manager.all(), ClientOwnedQuerySet)
    }


def unscoped_reads(source: str, models: set[str]) -> list[int]:
    """Lines where a client-owned model is read through `.objects` without the scoping entry point.

    Allowed: `.objects.visible_to(...)` (and `unscoped()`, `none()`); a queryset handed to
    `get_scoped_object(...)` or returned by a `scoped_queryset()` hook, which the bases scope;
    a `Prefetch(...)` under a scoped queryset.
    """
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def inside_call_named(node, names) -> bool:
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.FunctionDef) and node.name == "scoped_queryset":
                return True
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in names:
                    return True
        return False

    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "objects" and isinstance(node.value, ast.Name)):
            continue
        if node.value.id not in models:
            continue
        method = parents.get(node)
        if isinstance(method, ast.Attribute) and method.attr in ENTRY_POINTS:
            continue
        if inside_call_named(node, {"get_scoped_object", "Prefetch"}):  # or in scoped_queryset()
            continue
        lines.append(node.lineno)
    return lines


def test_pages_api_forms_and_serializers_read_client_rows_only_through_the_scoping_entry_point():
    models = _client_owned_models()
    assert {"Mention", "Brand", "Source", "Answer"} <= models
    found = {
        str(path.relative_to(APPS)): lines
        for path in sorted(APPS.rglob("*.py"))
        if path.name in REQUEST_MODULES and (lines := unscoped_reads(path.read_text(), models))
    }
    assert found == {}


def test_the_check_finds_a_read_that_skips_scoping():
    source = (
        "def get(self):\n"
        "    a = Mention.objects.filter(pk=1)\n"
        "    b = Mention.objects.visible_to(self.request.user)\n"
        "    c = self.get_scoped_object(Mention.objects.select_related('brand'), pk=1)\n"
        "    d = User.objects.all()\n"
        "    e = Mention.objects.get(pk=2)\n"
        "def scoped_queryset(self):\n"
        "    return Mention.objects.order_by('pk')\n"
    )
    assert unscoped_reads(source, {"Mention"}) == [2, 6]
