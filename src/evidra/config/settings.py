"""The configuration file's schema (contract: see DESIGN.md, "config file").

Unknown keys are errors, not silently ignored: a misspelt `regoins:` must not turn
into "every region" unnoticed. Secrets are never values here, only the names of
environment variables or files that hold them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class OktaSettings(Strict):
    org_url: str
    token_env: str | None = None
    token_file: str | None = None


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
    schedules: dict[str, str] = Field(default_factory=dict)
    executor: Literal["local", "celery"] = "local"
    broker: str | None = None


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
