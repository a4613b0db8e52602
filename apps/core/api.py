"""API conventions shared by every resource: pagination and error bodies.

Every error answers {"status": N, "code": "...", "detail": "...", "errors": {field: [messages]}}
("errors" only for validation), whatever raised it: DRF, Django or a service.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _as_drf_error(exc):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    return exc


def exception_handler(exc, context):
    exc = _as_drf_error(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body = {"status": response.status_code}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
        body["detail"] = "Invalid input."
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body["errors"] = errors
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body["code"] = codes if isinstance(codes, str) else "error"
        body["detail"] = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        body["code"] = "not_authenticated"
    response.data = body
    return response
