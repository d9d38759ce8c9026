"""The configuration file's schema (contract: see DESIGN.md, "config file").

Unknown keys are errors, not silently ignored: a misspelt `regoins:` must not turn
into "every region" unnoticed. Secrets are never values here, only the names of
environment variables or files that hold them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AwsSettings(Strict):
    regions: list[str] | None = Field(
        default=None, description="regions to read; default: every region enabled in the account"
    )
    accounts: Literal["organization"] | list[str] | None = Field(
        default=None, description="default: the account behind the credentials"
    )
    role_name: str | None = None
    external_id_env: str | None = None
    max_workers: int = Field(default=8, ge=1, le=256)
    max_attempts: int = Field(default=6, ge=1, le=20)
    connect_timeout: float = Field(default=10, gt=0)
    read_timeout: float = Field(default=60, gt=0)

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            if not value:
                raise ValueError("must name at least one region, or be left out for every enabled region")
            for region in value:
                if not _REGION.match(region):
                    raise ValueError(f"{region!r} is not an AWS region name (like eu-west-1)")
        return value

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, value: Any) -> Any:
        if isinstance(value, list):
            for account in value:
                if not (_ACCOUNT.match(account) or account.startswith("arn:")):
                    raise ValueError(f"{account!r} is neither a 12-digit account id nor a role ARN")
        return value


OKTA_READ_SCOPES = (
    "okta.users.read",
    "okta.groups.read",
    "okta.roles.read",
    "okta.factors.read",
    "okta.policies.read",
    "okta.apiTokens.read",
    "okta.logs.read",
)


class OktaSettings(Strict):
    """One Okta organisation. Credentials: an API token named by `token_env` or
    `token_file`, or an OAuth 2.0 service app (`client_id` + `private_key_file`)."""

    org_url: str = Field(description="https://acme.okta.com, or any https endpoint speaking Okta's API")
    token_env: str | None = None
    token_file: str | None = None
    client_id: str | None = None
    private_key_file: str | None = Field(default=None, description="PEM or JWK file of the service app")
    key_id: str | None = Field(default=None, description="`kid` of the service app's key, when it has one")
    scopes: list[str] = Field(default_factory=lambda: list(OKTA_READ_SCOPES))
    terminations_file: str | None = Field(default=None, description="CSV of leavers: user,terminated_at")
    log_days: int = Field(default=90, ge=1, le=180, description="how far back the System Log is read")
    page_size: int = Field(default=200, ge=1, le=200)
    max_concurrency: int = Field(default=8, ge=1, le=64)
    max_attempts: int = Field(default=5, ge=1, le=20)
    request_timeout: float = Field(default=60, gt=0)

    @field_validator("org_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("must be an https:// URL (Okta refuses anything else)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _one_credential(self) -> OktaSettings:
        chosen = [
            name
            for name, given in (
                ("token_env", self.token_env),
                ("token_file", self.token_file),
                ("client_id + private_key_file", self.client_id or self.private_key_file),
            )
            if given
        ]
        if len(chosen) != 1:
            raise ValueError(
                "name exactly one credential: token_env, token_file, or client_id + private_key_file"
                + (f" (got {', '.join(chosen)})" if chosen else "")
            )
        if (self.client_id or self.private_key_file) and not (self.client_id and self.private_key_file):
            raise ValueError("an OAuth service app needs both client_id and private_key_file")
        return self


class AzureSettings(Strict):
    tenant_id: str | None = None
    subscriptions: Literal["all"] | list[str] = "all"
    cloud: Literal["public", "usgov", "china"] = "public"
    resource_manager_endpoint: str | None = None
    graph_endpoint: str | None = None
    authority_host: str | None = None


class GcpSettings(Strict):
    organization: str | None = None
    projects: Literal["all"] | list[str] = "all"
    folders: list[str] = Field(default_factory=list)
    api_endpoint: str | None = None


class Providers(Strict):
    """Every provider of the config contract. Only `aws` has a collector so far; the
    others are accepted (the contract names them) and reported as not yet available."""

    aws: AwsSettings | None = None
    okta: OktaSettings | None = None
    azure: AzureSettings | None = None
    gcp: GcpSettings | None = None


class DaemonSettings(Strict):
    listen: str = "127.0.0.1:9108"
    schedules: dict[str, str] = Field(
        default_factory=dict,
        description="cron per provider (5 fields, or 6 with seconds first); default daily at 03:00 UTC",
    )
    executor: Literal["local", "celery"] = "local"
    broker: str | None = None
    misfire_grace_seconds: int = Field(
        default=6 * 3600, ge=1, description="a run missed during downtime is caught up if this recent"
    )
    stop_grace_seconds: int = Field(
        default=120, ge=0, description="on SIGTERM, how long a run in progress may take to finish"
    )

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError(f"{value!r} is not host:port")
        return value

    @field_validator("schedules")
    @classmethod
    def _schedules(cls, value: dict[str, str]) -> dict[str, str]:
        for provider, expression in value.items():
            if len(expression.split()) not in (5, 6):
                raise ValueError(f"{provider}: {expression!r} is not a cron expression (5 or 6 fields)")
        return value


class ExceptionRule(Strict):
    """A risk acceptance: a failing resource that is excepted until `expires`."""

    control: str
    resource: str = Field(description="resource id, or a glob pattern over it")
    reason: str
    approved_by: str
    expires: date


class Settings(Strict):
    database: str = "sqlite:///evidra.db"
    parameters: dict[str, Any] = Field(default_factory=dict)
    providers: Providers = Field(default_factory=Providers)
    exceptions: list[ExceptionRule] = Field(default_factory=list)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)

    @field_validator("parameters", "providers", "exceptions", "daemon", mode="before")
    @classmethod
    def _empty_section(cls, value: Any, info: Any) -> Any:
        # A section whose entries are all commented out reads as null in YAML.
        if value is None:
            return {"exceptions": []}.get(info.field_name, {})
        return value
