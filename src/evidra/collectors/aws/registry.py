"""AWS's reader registry and the context its readers read through.

Each service module (named after the service: `s3.py`, `guardduty.py`) registers its
readers on `READERS` (the shared vocabulary of `evidra.collectors.readers`), with the
types they emit, the boto3 service errors name, and their plane: `GLOBAL` (once per
account, called in the home region: IAM, S3, CloudFront), `REGIONAL` (once per
region) or `ORGANIZATION` (once per run, in the caller's account: Identity Center).
The collector runs every (region, reader) pair as one unit of work.

Readers call AWS only through `Context`, which is what makes every observation
carry its provenance (the ApiCall list), keeps raw answers redacted, and turns
botocore failures into one `AwsCallFailed` the collector reports as a ScopeError.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from evidra.collectors.aws.permissions import needed_action
from evidra.collectors.aws.session import AwsSession
from evidra.collectors.base import ScopeObserver
from evidra.collectors.readers import ReaderRegistry
from evidra.model import ApiCall

PROVIDER = "aws"
_JSON_PROTOCOLS = frozenset({"json", "rest-json"})
# What AWS's protocols answer when a policy (IAM, SCP, resource policy) refuses a call.
_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden"}
)


class AwsCallFailed(Exception):
    """An AWS operation failed after botocore's own retries."""

    def __init__(
        self, service: str, operation: str, region: str, code: str, message: str, resource: str | None = None
    ) -> None:
        super().__init__(f"{service} {operation} failed in {region}: {code}: {message}")
        self.service = service
        self.operation = operation
        self.region = region
        self.code = code
        self.resource = resource

    def describe(self) -> str:
        return f"{self} ({self.resource})" if self.resource else str(self)


@dataclass
class Context(ScopeObserver):
    """What a reader needs to read one unit: clients, identity, and the bookkeeping."""

    provider: ClassVar[str] = PROVIDER
    session: AwsSession
    account: str
    partition: str
    principal: str
    region: str  # the unit's region; the home region for global readers
    scope: str
    observed_at: datetime
    # Per-resource failures a reader chose to step over (one bucket denying us must
    # not hide every other bucket); reported as the unit's error all the same.
    skipped: list[AwsCallFailed] = field(default_factory=list)

    def call(
        self,
        service: str,
        operation: str,
        *,
        region: str | None = None,
        expect: str | None = None,
        **params: Any,
    ) -> tuple[dict[str, Any], ApiCall]:
        """Call one operation. Returns its answer (without ResponseMetadata) and the ApiCall.

        `expect`: a key every well-formed answer has. botocore reads a malformed JSON
        body as `{"message": body}` rather than failing, so a missing key is the only
        sign of it (malformed XML raises).
        """
        answer, record = self.optional(service, operation, absent=(), region=region, expect=expect, **params)
        assert answer is not None  # only "absent" codes answer None
        return answer, record

    def optional(
        self,
        service: str,
        operation: str,
        *,
        absent: Iterable[str],
        region: str | None = None,
        expect: str | None = None,
        **params: Any,
    ) -> tuple[dict[str, Any] | None, ApiCall]:
        """Like `call`, for settings that may not exist: the error codes in `absent`
        mean "not configured" and answer None instead of failing."""
        region = region or self.region
        record = ApiCall(service, operation, dict(params), region)
        answer = invoke(self.session, service, operation, region, absent=absent, expect=expect, **params)
        return answer, record

    def pages(
        self, service: str, operation: str, expect: str, *, region: str | None = None, **params: Any
    ) -> tuple[list[dict[str, Any]], ApiCall]:
        """Every page of a paginated operation.

        `expect` names the page's list. A JSON answer without it is malformed (see
        `call`); an XML answer may leave an empty list out, and botocore raises on
        XML it cannot parse, so there a missing list is just empty."""
        region = region or self.region
        record = ApiCall(service, operation, dict(params), region)
        client = self.session.client(service, region)
        strict = client.meta.service_model.protocol in _JSON_PROTOCOLS
        found: list[dict[str, Any]] = []
        try:
            for page in client.get_paginator(xform_name(operation)).paginate(**params):
                _check_shape(page, expect if strict else None, service, operation, region)
                found.append(_clean(page))
        except ClientError as exc:
            raise _failed(service, operation, region, exc) from exc
        except (BotoCoreError, ResponseParserError) as exc:
            raise _failed(service, operation, region, exc) from exc
        return found, record

    def items(
        self, service: str, operation: str, result_key: str, *, region: str | None = None, **params: Any
    ) -> tuple[list[Any], ApiCall]:
        """Every item of a paginated list operation, across all its pages."""
        pages, record = self.pages(service, operation, result_key, region=region, **params)
        return [item for page in pages for item in page.get(result_key, [])], record

    def arn(self, service: str, resource: str, *, region: str = "", account: str | None = None) -> str:
        account = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"

    def account_arn(self) -> str:
        """The id of the account-wide settings observation (several readers add to it)."""
        return self.arn("iam", "account")

    def skip(self, failure: AwsCallFailed, resource: str) -> None:
        failure.resource = resource
        self.skipped.append(failure)

    def stepped_over(self) -> list[str]:
        return [failure.describe() for failure in self.skipped]


GLOBAL = "global"
REGIONAL = "regional"
# Once per run, in the caller's account (the management account or a delegated
# administrator) and one region: what belongs to the organisation, not to an account
# (IAM Identity Center).
ORGANIZATION = "organization"
READERS: ReaderRegistry[Context] = ReaderRegistry(PROVIDER)


def invoke(
    session: AwsSession,
    service: str,
    operation: str,
    region: str,
    *,
    absent: Iterable[str] = (),
    expect: str | None = None,
    **params: Any,
) -> dict[str, Any] | None:
    """One operation, its failures translated to AwsCallFailed (see `Context.call`)."""
    client = session.client(service, region)
    try:
        answer = getattr(client, xform_name(operation))(**params)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        if code in set(absent):
            return None
        raise _failed(service, operation, region, exc) from exc
    except (BotoCoreError, ResponseParserError) as exc:
        raise _failed(service, operation, region, exc) from exc
    _check_shape(answer, expect, service, operation, region)
    return _clean(answer)


def _failed(service: str, operation: str, region: str, exc: Exception) -> AwsCallFailed:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        # An error body botocore could not read leaves the code empty: say the status.
        code = str(error.get("Code") or (f"HTTP {status}" if status else "Unknown"))
        message = str(error.get("Message", ""))
        # (an unreadable 403 too: botocore then makes the code "403" or leaves it empty)
        if code in _DENIED_CODES or (status == 403 and code in ("403", f"HTTP {status}")):
            # S3's answer says only "Access Denied": name what to grant.
            message = f"{message} ({needed_action(service, operation)})".lstrip()
        return AwsCallFailed(service, operation, region, code, message)
    return AwsCallFailed(service, operation, region, type(exc).__name__, str(exc))


def _check_shape(
    answer: dict[str, Any], expect: str | None, service: str, operation: str, region: str
) -> None:
    if expect is not None and expect not in answer:
        raise AwsCallFailed(
            service, operation, region, "MalformedResponse", f"the answer has no {expect!r} field"
        )


def _clean(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}
