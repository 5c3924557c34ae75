"""ModelScope's transport: the modelscope SDK's OpenAPI client, one attempt per call, and the collector's
own retries around it, every wait bounded and ended at once by a stop request.

The retry loop is ModelScope's own, not `github_http`'s: the SDK raises its own errors (RateLimitError,
ServerError, ...) and sends its own requests; the shared parts are `collectors.waiting` and `records`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import requests
from modelscope_hub._openapi import OpenAPIClient
from modelscope_hub.errors import (
    AuthenticationError,
    HubError,
    InvalidParameter,
    NetworkError,
    NotExistError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
)
from tracker.collectors.records import CollectorError, excerpt, first_line, public_url, same_origin
from tracker.collectors.waiting import check_stop, pause, within_deadline

if TYPE_CHECKING:
    from tracker.collectors.modelscope import Settings

HUB = "modelscope"
MAX_BACKOFF_SECONDS = 300.0  # the longest wait between two attempts, however the retries double it
TRANSIENT = (RateLimitError, QuotaExceededError, ServerError, NetworkError)


def open_client(settings: Settings) -> OpenAPIClient:
    if settings.endpoint is not None and not is_http(settings.endpoint):
        raise CollectorError(f"ModelScope endpoint {settings.endpoint!r} is not an http(s) URL "
                             "(modelscope.endpoint in the configuration, or MODELSCOPE_ENDPOINT)")
    # One attempt per SDK call: the retries are the collector's, whose waits a stop request ends.
    return OpenAPIClient(settings.config(), session=_session_on(settings.config().endpoint), max_retries=1,
                         timeout=settings.timeout)


def _session_on(endpoint: str) -> requests.Session:
    """A session that never follows a redirect off `endpoint`: it could lead anywhere, token and all."""
    session = requests.Session()

    def refuse_elsewhere(response: requests.Response, **_) -> None:
        if response.is_redirect and not same_origin(urljoin(response.url, response.headers["Location"]), endpoint):
            raise CollectorError(f"ModelScope: refusing to follow a redirect to {response.headers['Location'][:160]}: "
                                 f"not on the configured endpoint {public_url(endpoint)}")

    session.hooks["response"].append(refuse_elsewhere)
    return session


def is_http(endpoint: str | None) -> bool:
    parts = urlsplit(endpoint or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def call(request, where: str, settings: Settings) -> Any:
    """An SDK call's unwrapped `data`, retried with backoff when throttled or failed in transit."""
    for attempt in range(settings.retries + 1):
        check_stop(f"ModelScope {where}")
        try:
            data = within_deadline(request, settings.deadline, f"ModelScope {where}", "modelscope.deadline")
            return None if data is None else _as_object(data, where)
        except TRANSIENT as error:
            if attempt == settings.retries:
                raise CollectorError(f"ModelScope {where}: still failing after {attempt} retries: "
                                     f"{_reason(error)}") from None
            pause(min(settings.retry_wait * 2 ** attempt, MAX_BACKOFF_SECONDS), f"ModelScope {where}: {_reason(error)}")
        except AuthenticationError as error:
            raise CollectorError(f"ModelScope {where}: the service refused the request as unauthenticated "
                                 f"({_reason(error)}); set MODELSCOPE_API_TOKEN to a valid ModelScope API token"
                                 ) from None
        except InvalidParameter as error:
            raise CollectorError(f"ModelScope {where}: the service refused a parameter: {_reason(error)}") from None
        except HubError as error:
            raise CollectorError(f"ModelScope {where}: {_reason(error)}") from None
    raise AssertionError("unreachable")


def _as_object(data: Any, where: str) -> dict:
    """The SDK hands back the body's text when it is not JSON."""
    if isinstance(data, str):
        raise CollectorError(f"ModelScope {where} is not valid JSON: {excerpt(data)}")
    if not isinstance(data, dict):
        raise CollectorError(f"ModelScope {where}: expected a JSON object, got {excerpt(data)}")
    return data


def _reason(error: HubError) -> str:
    """The service's code and message, from the ErrorResponse body when there is one."""
    body = getattr(error, "response_body", None)
    status = getattr(error, "status_code", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return f"HTTP {status} {body.get('code')}: {body['message']}"
    return first_line(error)


def get_model(client: OpenAPIClient, owner: str, name: str) -> dict | None:
    """getModel's `data`, or None for a model gone since it was listed (404) or not open to this token (403)."""
    try:
        return client.get_model(owner, name)
    except (NotExistError, PermissionDeniedError):  # QuotaLimitExceed is not one: it is retried
        return None
