"""The configuration file's schema (contract: see DESIGN.md, "config file").

Unknown keys are errors, not silently ignored: a misspelt `regoins:` must not turn
into "every region" unnoticed. Secrets are never values here, only the names of
environment variables or files that hold them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
_GCP_NUMBER = re.compile(r"^\d{1,20}$")
_GCP_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def https_url(why: str = "", *, trailing_slash: bool = False) -> AfterValidator:
    """An endpoint a secret or a token travels to: https:// only, kept without its
    trailing slash (or with exactly one, for clients that join paths to it). `why` ends
    the message, which pydantic prefixes with the key."""

    def check(value: str | None) -> str | None:
        if value is None:
            return value
        if not value.startswith("https://"):
            raise ValueError("must be an https:// URL" + (f" ({why})" if why else ""))
        return value.rstrip("/") + ("/" if trailing_slash else "")

    return AfterValidator(check)


def one_of(what: str, options: Iterable[tuple[str, Any]], *, at_most: bool = False) -> list[str]:
    """The names of the options given; exactly one (or, `at_most`, no more than one) may
    be. `options`: (name, value) pairs, a value given when truthy."""
    options = list(options)
    chosen = [name for name, given in options if given]
    if len(chosen) > 1 or (not chosen and not at_most):
        names = [name for name, _ in options]
        listing = ", ".join(names[:-1]) + f" or {names[-1]}"
        raise ValueError(
            f"name {'at most' if at_most else 'exactly'} one {what}: {listing}"
            + (f" (got {', '.join(chosen)})" if chosen else "")
        )
    return chosen


def fields(model: BaseModel, *names: str) -> list[tuple[str, Any]]:
    """(name, value) of a model's fields, for `one_of`."""
    return [(name, getattr(model, name)) for name in names]


def each_item(
    test: re.Pattern[str] | Callable[[str], Any], complaint: str, *, at_least_one: str | None = None
) -> AfterValidator:
    """A list of names, each of which must pass `test` (a pattern it matches, or a
    function): the first that does not is named, `'x' <complaint>`; `at_least_one` is the
    message for an empty list. A value that is no list (`all`, None) is left as it is."""
    passes = test.match if isinstance(test, re.Pattern) else test

    def check(value: Any) -> Any:
        if isinstance(value, list):
            if not value and at_least_one:
                raise ValueError(at_least_one)
            for item in value:
                if not passes(item):
                    raise ValueError(f"{item!r} {complaint}")
        return value

    return AfterValidator(check)


class AwsSettings(Strict):
    regions: Annotated[
        list[str] | None,
        each_item(
            _REGION,
            "is not an AWS region name (like eu-west-1)",
            at_least_one="must name at least one region, or be left out for every enabled region",
        ),
    ] = Field(default=None, description="regions to read; default: every region enabled in the account")
    accounts: Annotated[
        Literal["organization"] | list[str] | None,
        each_item(
            lambda a: _ACCOUNT.match(a) or a.startswith("arn:"),
            "is neither a 12-digit account id nor a role ARN",
        ),
    ] = Field(default=None, description="default: the account behind the credentials")
    role_name: str | None = None
    external_id_env: str | None = None
    identity_center_region: str | None = Field(
        default=None,
        description="the region IAM Identity Center is enabled in (read once, in the caller's account); "
        "default: the home region",
    )
    max_workers: int = Field(default=8, ge=1, le=256)
    max_attempts: int = Field(default=6, ge=1, le=20)
    connect_timeout: float = Field(default=10, gt=0)
    read_timeout: float = Field(default=60, gt=0)

    @field_validator("identity_center_region")
    @classmethod
    def _identity_center_region(cls, value: str | None) -> str | None:
        if value is not None and not _REGION.match(value):
            raise ValueError(f"{value!r} is not an AWS region name (like eu-west-1)")
        return value


OKTA_READ_SCOPES = (
    "okta.users.read",
    "okta.groups.read",
    "okta.roles.read",
    "okta.factors.read",
    "okta.policies.read",
    "okta.apiTokens.read",
    "okta.logs.read",
    "okta.apps.read",
)


class OktaSettings(Strict):
    """One Okta organisation. Credentials: an API token named by `token_env` or
    `token_file`, or an OAuth 2.0 service app (`client_id` + `private_key_file`)."""

    org_url: Annotated[str, https_url("Okta refuses anything else")] = Field(
        description="https://acme.okta.com, or any https endpoint speaking Okta's API"
    )
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

    @model_validator(mode="after")
    def _one_credential(self) -> OktaSettings:
        app = ("client_id + private_key_file", self.client_id or self.private_key_file)
        one_of("credential", [*fields(self, "token_env", "token_file"), app])
        if (self.client_id or self.private_key_file) and not (self.client_id and self.private_key_file):
            raise ValueError("an OAuth service app needs both client_id and private_key_file")
        return self


_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


AzureEndpoint = Annotated[str | None, https_url("Azure sends bearer tokens over TLS only")]


class AzureSettings(Strict):
    """One Entra ID tenant and its subscriptions. Credentials: azure-identity's default
    chain (environment, workload identity, managed identity, Azure CLI), or an app
    registration (`client_id` with `client_secret_env`, `client_secret_file` or
    `certificate_file`)."""

    tenant_id: str | None = Field(default=None, description="the directory (tenant) id or its domain")
    subscriptions: Annotated[
        Literal["all"] | list[str],
        each_item(
            _GUID,
            "is not a subscription id (a GUID)",
            at_least_one="must name at least one subscription, or be `all`",
        ),
    ] = Field(default="all", description="every subscription the principal can see, or a list of ids")
    cloud: Literal["public", "usgov", "china"] = "public"
    resource_manager_endpoint: AzureEndpoint = None
    graph_endpoint: AzureEndpoint = None
    authority_host: AzureEndpoint = None
    client_id: str | None = None
    client_secret_env: str | None = None
    client_secret_file: str | None = None
    certificate_file: str | None = Field(default=None, description="PEM with the app's private key")
    directory: bool = Field(default=True, description="read Entra ID users and policies (Microsoft Graph)")
    intune: bool = Field(
        default=False,
        description="read Intune's managed devices and compliance policies (needs the Intune Graph "
        "permissions and an Intune licence)",
    )
    break_glass: Annotated[list[str], each_item(_GUID, "is not an Entra ID object id (a GUID)")] = Field(
        default_factory=list,
        description=(
            "object ids of the emergency-access accounts (users or groups) a Conditional Access "
            "policy may exclude and still count as demanding MFA of everyone"
        ),
    )
    max_workers: int = Field(default=8, ge=1, le=64)
    max_attempts: int = Field(default=5, ge=1, le=20)
    retry_backoff_seconds: float = Field(default=0.8, ge=0, description="first retry's wait, doubled after")
    request_timeout: float = Field(default=60, gt=0)

    @model_validator(mode="after")
    def _one_app_credential(self) -> AzureSettings:
        secrets = fields(self, "client_secret_env", "client_secret_file", "certificate_file")
        given = one_of("app credential", secrets, at_most=True)
        if given and not (self.client_id and self.tenant_id):
            raise ValueError(f"{given[0]} needs client_id and tenant_id")
        if self.client_id and not given:
            raise ValueError("client_id needs client_secret_env, client_secret_file or certificate_file")
        return self


class GcpSettings(Strict):
    """A GCP organisation, or some of its folders and projects, read through Cloud Asset
    Inventory. Credentials: Application Default Credentials, or a service-account key
    file named by `credentials_file` (read at run time, never stored)."""

    organization: str | None = Field(default=None, description="the organisation's numeric id")
    projects: Annotated[
        Literal["all"] | list[str],
        each_item(_GCP_PROJECT, "is not a project id (6-30 lowercase letters, digits, hyphens)"),
    ] = Field(default="all", description="`all`: the whole organisation; or project ids to read instead")
    folders: Annotated[list[str], each_item(_GCP_NUMBER, "is not a numeric folder id")] = Field(
        default_factory=list, description="numeric folder ids to read instead"
    )
    api_endpoint: Annotated[str | None, https_url()] = Field(
        default=None, description="Cloud Asset API endpoint override"
    )
    credentials_file: str | None = Field(default=None, description="service-account key JSON file")
    page_size: int = Field(default=500, ge=1, le=1000, description="assets per page (searches: 500 at most)")
    max_workers: int = Field(default=4, ge=1, le=64, description="scopes and listings read in parallel")
    max_attempts: int = Field(default=5, ge=1, le=20)
    request_timeout: float = Field(default=60, gt=0)

    @field_validator("organization")
    @classmethod
    def _organization(cls, value: str | None) -> str | None:
        if value is not None and not _GCP_NUMBER.match(value):
            raise ValueError(f"{value!r} is not a numeric organisation id (like 123456789012)")
        return value

    @model_validator(mode="after")
    def _something_to_read(self) -> GcpSettings:
        if self.organization is None and self.projects == "all" and not self.folders:
            raise ValueError("name the organization, or the folders or projects to read")
        return self


GOOGLE_WORKSPACE_SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly",
    "https://www.googleapis.com/auth/admin.reports.audit.readonly",
)
# Google endpoint management (the Cloud Identity devices API), asked for only with `devices: true`.
GOOGLE_WORKSPACE_DEVICES_SCOPE = "https://www.googleapis.com/auth/cloud-identity.devices.readonly"


class GoogleWorkspaceSettings(Strict):
    """A Google Workspace account (customer) read through the Admin SDK. Credentials: a
    service-account key with domain-wide delegation, acting as `subject` (an administrator
    allowed to read users, roles and audit logs), or Application Default Credentials."""

    customer_id: str = Field(default="my_customer", pattern=r"^(my_customer|C[0-9a-z]{5,20})$")
    subject: str | None = Field(default=None, description="the administrator the service account acts as")
    credentials_file: str | None = Field(default=None, description="service-account key JSON file")
    api_endpoint: Annotated[str | None, https_url(trailing_slash=True)] = Field(
        default=None, description="Admin SDK root URL override"
    )
    log_days: int = Field(default=90, ge=1, le=180, description="days of login and admin events read")
    devices: bool = Field(
        default=False,
        description="read Google endpoint management's devices (Cloud Identity devices API; needs the "
        "cloud-identity.devices.readonly scope delegated and an edition with endpoint management)",
    )
    page_size: int = Field(default=500, ge=1, le=500)
    max_attempts: int = Field(default=5, ge=1, le=20)
    request_timeout: float = Field(default=60, gt=0)

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str | None) -> str | None:
        if value is not None and "@" not in value:
            raise ValueError(f"{value!r} is not an administrator's email address")
        return value


class JamfSettings(Strict):
    """A Jamf Pro server, read with an API client's credentials (client credentials
    grant). The client's API role needs only the read privileges docs/providers/jamf.md
    lists."""

    url: Annotated[str, https_url("the client secret travels to it")] = Field(
        description="the Jamf Pro server, https://acme.jamfcloud.com"
    )
    client_id: str = Field(min_length=1)
    client_secret_env: str | None = None
    client_secret_file: str | None = None
    page_size: int = Field(default=100, ge=1, le=2000)
    request_timeout: float = Field(default=60, gt=0)
    max_attempts: int = Field(default=5, ge=1, le=20)

    @model_validator(mode="after")
    def _one_secret(self) -> JamfSettings:
        one_of("client secret", fields(self, "client_secret_env", "client_secret_file"))
        return self


# A Jira-style key (ABC-123) or a GitHub/GitLab issue reference (#123, acme/repo#123).
DEFAULT_TICKET_PATTERN = r"\b[A-Z][A-Z0-9]{1,15}-\d{1,9}\b|(?<![\w/])(?:[\w.-]+/[\w.-]+)?#\d{1,9}\b"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SENT_EACH_REQUEST = "the token is sent with every request"


class ScmSettings(Strict):
    """What the GitHub and GitLab collectors share: the token, which repositories, from
    when changes are read, and how requests are retried and cached."""

    token_env: str | None = Field(default=None, description="environment variable holding the token")
    token_file: str | None = Field(default=None, description="file holding the token")
    repositories: Annotated[
        Literal["all"] | list[str],
        each_item(
            lambda n: _NAME.match(n) or ("/" in n and all(_NAME.match(p) for p in n.split("/"))),
            "is not a repository name",
            at_least_one="must name at least one repository, or be `all`",
        ),
    ] = Field(default="all", description="`all` (archived ones excepted), or repository names")
    since: date | None = Field(
        default=None, description="the first run reads changes merged from this day on; default: 90 days"
    )
    ticket_pattern: str = Field(
        default=DEFAULT_TICKET_PATTERN, description="regular expression a ticket reference matches"
    )
    cache_dir: str | None = Field(
        default=None,
        description="where answers and their ETags are kept for conditional requests "
        "(default: ~/.cache/evidra/<provider>)",
    )
    max_workers: int = Field(default=8, ge=1, le=64)
    max_attempts: int = Field(default=5, ge=1, le=20)
    max_rate_limit_wait_seconds: float = Field(
        default=900, ge=0, description="longest wait for a rate limit window before the read fails"
    )
    request_timeout: float = Field(default=60, gt=0)

    @field_validator("ticket_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"is not a regular expression: {exc}") from None
        return value

    def tokens(self) -> list[tuple[str, Any]]:
        return fields(self, "token_env", "token_file")


class GitHubSettings(ScmSettings):
    """One GitHub organisation (github.com or GitHub Enterprise Server). Credentials: a
    GitHub App installation (recommended: `app_id`, `private_key_file`,
    `installation_id`), or a token named by `token_env` or `token_file`."""

    organization: str
    api_url: Annotated[str, https_url(_SENT_EACH_REQUEST)] = Field(
        default="https://api.github.com", description="GitHub Enterprise Server: https://HOST/api/v3"
    )
    app_id: int | None = None
    private_key_file: str | None = Field(default=None, description="the GitHub App's private key (PEM)")
    installation_id: int | None = None

    @field_validator("organization")
    @classmethod
    def _organization(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r} is not an organisation name")
        return value

    @model_validator(mode="after")
    def _one_credential(self) -> GitHubSettings:
        app = [n for n in ("app_id", "private_key_file", "installation_id") if getattr(self, n) is not None]
        one_of("credential", [("app_id + private_key_file + installation_id", app), *self.tokens()])
        if app and len(app) != 3:
            raise ValueError("a GitHub App needs app_id, private_key_file and installation_id")
        return self


class GitLabSettings(ScmSettings):
    """One GitLab group (gitlab.com or self-managed), with its subgroups. Credentials: a
    token with the `read_api` scope, named by `token_env` or `token_file`."""

    group: str = Field(description="the group's full path (acme or acme/platform) or numeric id")
    url: Annotated[str, https_url(_SENT_EACH_REQUEST)] = Field(
        default="https://gitlab.com", description="self-managed: https://gitlab.example.com"
    )

    @model_validator(mode="after")
    def _one_credential(self) -> GitLabSettings:
        one_of("credential", self.tokens())
        return self


class Providers(Strict):
    """The built-in providers' settings. A plugin provider's section is validated by the
    settings model its distribution registers (`evidra.config.plugins`); any other key
    is an error."""

    aws: AwsSettings | None = None
    okta: OktaSettings | None = None
    azure: AzureSettings | None = None
    gcp: GcpSettings | None = None
    google_workspace: GoogleWorkspaceSettings | None = None
    jamf: JamfSettings | None = None
    github: GitHubSettings | None = None
    gitlab: GitLabSettings | None = None


class BambooHrSettings(Strict):
    """BambooHR's API, read through PyBambooHR with an API key (HTTP basic auth)."""

    subdomain: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
    api_key_env: str | None = None
    api_key_file: str | None = None
    api_endpoint: Annotated[str | None, https_url("the API key travels in every request")] = Field(
        default=None, description="override of https://api.bamboohr.com/api/gateway.php (tests, proxies)"
    )
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="roster column -> BambooHR field for the optional columns (customBackgroundCheck ...)",
    )
    max_attempts: int = Field(default=5, ge=1, le=20)
    request_timeout: float = Field(default=60, gt=0)

    @model_validator(mode="after")
    def _one_key(self) -> BambooHrSettings:
        one_of("API key", fields(self, "api_key_env", "api_key_file"))
        return self


class PeopleSettings(Strict):
    """Who works here (contract: DESIGN.md, "people"): HR's roster as a file, or read from
    BambooHR, and how accounts are matched to people."""

    roster: str | None = Field(default=None, description="CSV or JSON export of HR's roster")
    bamboohr: BambooHrSettings | None = None
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="account -> person's email, for accounts not named by the email "
        "(`octocat`, or `github:octocat` for one provider only)",
    )
    service_identities: list[str] = Field(
        default_factory=list,
        description="glob patterns over account names (or `provider:name`) that belong to no person",
    )
    source_control: list[str] = Field(
        default_factory=lambda: ["github", "gitlab"],
        description="providers whose accounts are source-control access (train.secure_coding)",
    )
    workstation_providers: list[str] = Field(
        default_factory=lambda: ["okta", "azure", "google_workspace"],
        description="providers whose accounts mean the person works on a company workstation "
        "(endpoint.mdm_enrolment: they need a managed device)",
    )

    @model_validator(mode="after")
    def _one_source(self) -> PeopleSettings:
        one_of("roster source", [("roster (a file)", self.roster), ("bamboohr", self.bamboohr)])
        return self


class MessageSigning(Strict):
    """Celery's message signing (the `auth` serializer): every task is signed with this
    node's key, and a task is accepted only with a valid signature by a certificate in
    `cert_store`. Files, not secrets inline."""

    key_file: str = Field(description="this node's private key (PEM)")
    certificate_file: str = Field(description="its X.509 certificate (PEM)")
    cert_store: str = Field(
        description="the certificates trusted to sign tasks: a file or a glob, e.g. certs/*.pem"
    )


class DaemonSettings(Strict):
    listen: str = "127.0.0.1:9108"
    schedules: dict[str, str] = Field(
        default_factory=dict,
        description="cron per provider (5 fields, or 6 with seconds first); default daily at 03:00 UTC",
    )
    executor: Literal["local", "celery"] = "local"
    # Celery (executor: celery): where scope tasks go, and how long a run waits for them.
    broker: str | None = Field(
        default=None,
        validate_default=True,  # so that a missing broker is caught with executor: celery
        description="redis://127.0.0.1:6379/0 or amqp://user@host:5672//, without its password",
    )
    broker_password_env: str | None = Field(
        default=None, description="the environment variable holding the broker's password"
    )
    queue: str = Field(default="evidra", pattern=r"^[A-Za-z0-9_.:-]+$")
    signing: MessageSigning | None = Field(
        default=None, description="sign and verify every task (the broker is a trust boundary)"
    )
    run_timeout_seconds: int = Field(
        default=4 * 3600,
        ge=1,
        description="a run is sealed at the latest this long after it started; missing scopes are errors",
    )
    redelivery_seconds: int = Field(
        default=1800,
        ge=1,
        description="Redis: a task whose worker was lost goes to another worker after this long",
    )
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

    @field_validator("broker")
    @classmethod
    def _broker(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            if info.data.get("executor") == "celery":
                raise ValueError("needed with executor: celery (redis://127.0.0.1:6379/0 or amqp://...)")
            return value
        scheme = value.partition("://")[0]
        if scheme not in ("redis", "rediss", "amqp", "amqps", "pyamqp"):
            raise ValueError(f"{scheme!r} is not a broker Celery is used with here: use redis:// or amqp://")
        if urlsplit(value).password:
            # Not repeated back: the message would show the password.
            raise ValueError("holds a password: name the variable holding it in daemon.broker_password_env")
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
    approved_at: date | None = Field(default=None, description="when the risk was accepted")
    ticket: str | None = Field(default=None, description="the ticket or record of the approval")


class PolicySettings(Strict):
    """The policy set in force, printed on the evidence package's first page."""

    version: str | None = None
    owner: str | None = None
    approved_at: date | None = None


class ReportSettings(Strict):
    signing_key: str | None = Field(
        default=None,
        description="the Ed25519 private key that signs evidence packages (`evidra keys init` makes it); "
        "default: evidra-signing-key.pem beside the SQLite database, else in the working directory",
    )


class TimestampingSettings(Strict):
    """RFC 3161 timestamps of every run's seal (docs: trusted time and anchors)."""

    tsa_urls: list[str] = Field(min_length=1, description="TSAs tried in order; the first that answers")
    ca_file: str = Field(description="PEM root certificate(s) the TSAs' certificates chain to")
    max_skew_minutes: int = Field(
        default=10, ge=0, description="a token later than its run's finish by more: backfilled (verify)"
    )
    timeout_seconds: float = Field(default=10, gt=0, le=300)

    @field_validator("tsa_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{url!r} is not an http(s) URL of a TSA")
        return value


class S3AnchorSettings(Strict):
    """A bucket with S3 Object Lock (compliance mode), ideally in an account the auditor reads."""

    bucket: str
    prefix: str = "evidra/anchors/"
    retention_days: int = Field(ge=1, le=36500)
    region: str | None = None


class AnchorSettings(Strict):
    s3: S3AnchorSettings


class ControlsSettings(Strict):
    # Folders of extra control YAML files (relative to the config file), validated like
    # the built-in catalog; a plugin distribution can also ship them ("evidra.controls").
    paths: list[str] = Field(default_factory=list)


class Settings(Strict):
    database: str = "sqlite:///evidra.db"
    parameters: dict[str, Any] = Field(default_factory=dict)
    providers: Providers = Field(default_factory=Providers)
    exceptions: list[ExceptionRule] = Field(default_factory=list)
    controls: ControlsSettings = Field(default_factory=ControlsSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    people: PeopleSettings | None = None
    timestamping: TimestampingSettings | None = None
    anchor: AnchorSettings | None = None
    policy: PolicySettings = Field(default_factory=PolicySettings)

    @field_validator("parameters", "providers", "exceptions", "controls", "daemon", "report", mode="before")
    @classmethod
    def _empty_section(cls, value: Any, info: Any) -> Any:
        # A section whose entries are all commented out reads as null in YAML.
        if value is None:
            return {"exceptions": []}.get(info.field_name, {})
        return value
