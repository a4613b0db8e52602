"""Every page carries a strict Content-Security-Policy and a Permissions-Policy (issue 15, case 11)."""

import pytest
from django.template.loader import get_template
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["account_login", "healthz"])
def test_pages_forbid_inline_and_foreign_code_and_every_device(web, name):
    response = web().get(reverse(name))
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_the_500_page_has_no_inline_style():
    assert "style=" not in get_template("errors/500.html").render()
