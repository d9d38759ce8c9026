"""One run: collect every requested provider, evaluate the controls, optionally store.

The command line, the demo and (later) the daemon all go through here, so a run means
the same thing whichever way it was started.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evidra import __version__
from evidra.collectors import base
from evidra.collectors.base import ProgressCallback
from evidra.config.loader import ConfigError, LoadedConfig
from evidra.config.settings import Settings
from evidra.controls.catalog import Control
from evidra.controls.engine import evaluate
from evidra.model import Collection, Result, ScopeError, Status, utcnow
from evidra.people.view import people_view
from evidra.spool import Spool

log = logging.getLogger("evidra.trust")


@dataclass
class RunOutcome:
    id: str
    started_at: datetime
    finished_at: datetime
    providers: list[str]
    controls: list[Control]
    collection: Collection
    results: Spool[Result]
    parameters: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)  # effective_config(): names of secrets only
    inputs: list[dict[str, Any]] = field(default_factory=list)  # input_files(): files that drive verdicts
    stored_in: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[ScopeError]:
        return self.collection.errors

    def exit_code(self) -> int:
        """The contract's exit codes: 3 when some scope could not be read (the rest is
        still reported; an incomplete answer outranks a failing one), 1 on any failure,
        0 when every result passed, was excepted or not applicable."""
        if self.collection.errors or any(r.status is Status.ERROR for r in self.results):
            return 3
        if any(r.status is Status.FAIL for r in self.results):
            return 1
        return 0


def providers_to_run(config: LoadedConfig, requested: Sequence[str]) -> list[str]:
    """The providers named on the command line, else every configured one, else AWS
    (with no config at all, evidra reads the account behind boto3's default credentials)."""
    available = base.available()
    for name in requested:
        if name not in available:
            raise ConfigError(
                f"provider {name!r} has no collector in this version; available: {', '.join(available)}"
            )
    # The roster is read whenever it is configured: every identity is judged against it.
    people = ["people"] if config.settings.people is not None else []
    if requested:
        return list(dict.fromkeys([*requested, *people]))
    configured = [
        name
        for name in type(config.settings.providers).model_fields
        if getattr(config.settings.providers, name)
    ]
    runnable = [name for name in configured if name in available]
    return [*(runnable or ["aws"]), *people]


def settings_for(config: LoadedConfig, provider: str) -> Any:
    if provider == "people":
        return config.settings.people
    settings = getattr(config.settings.providers, provider, None)
    if settings is None and provider == "aws":
        from evidra.config.settings import AwsSettings

        settings = AwsSettings()
    if settings is None:
        raise ConfigError(
            f"provider {provider!r} is not configured: add providers.{provider} to the config file"
        )
    return settings


def run(
    config: LoadedConfig,
    controls: list[Control],
    requested: Sequence[str] = (),
    progress: ProgressCallback | None = None,
) -> RunOutcome:
    providers = providers_to_run(config, requested)
    check_roster(config)
    run_id = str(uuid.uuid4())
    started = utcnow()
    collection = Collection()
    # Providers are independent and mostly wait on the network: collect them at once,
    # then merge in the order named, so a run's layout does not depend on who was first.
    with ThreadPoolExecutor(max_workers=len(providers), thread_name_prefix="evidra-provider") as pool:
        collections = pool.map(lambda provider: collect_provider(config, provider, progress), providers)
        for collected in collections:
            collection.extend(collected)
    finished = utcnow()
    collection = people_view(config, collection, finished)
    inputs = input_files(config, providers)
    results = evaluate(controls, collection, config.parameters, finished, config.settings.exceptions)
    return RunOutcome(
        id=run_id,
        started_at=started,
        finished_at=finished,
        providers=providers,
        controls=controls,
        collection=collection,
        results=results,
        parameters=config.parameters,
        config=effective_config(config),
        inputs=inputs,
    )


def check_roster(config: LoadedConfig) -> None:
    """A roster file that cannot be used is bad input (exit 2, naming the column or row),
    found before anything is collected, not an unreadable scope."""
    people = config.settings.people
    if people is None or not people.roster:
        return
    from evidra.people.roster import RosterError, read_roster

    try:
        read_roster(people.roster)
    except RosterError as exc:
        where = f"{config.path}: " if config.path else ""
        raise ConfigError(f"{where}{exc}") from None


def effective_config(config: LoadedConfig) -> dict[str, Any]:
    """The configuration the run used, as recorded with it: every setting as in force
    (defaults included). Settings name secrets (the variable or file holding them),
    never hold them, and those names are what an auditor needs to see; the database
    URL is shown without its password, and every text still passes the secret-value
    filter in case a secret was pasted where a name belongs."""
    from evidra.evidence_store.database import display_url, parse_url
    from evidra.redact import redact_text

    document = config.settings.model_dump(mode="json")
    try:
        document["database"] = display_url(parse_url(config.settings.database))
    except Exception:
        document["database"] = "(unparseable URL, not recorded)"
    recorded: dict[str, Any] = _filtered(document, redact_text)
    recorded["config_file"] = str(config.path) if config.path else None
    return recorded


def _filtered(value: Any, text: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {key: _filtered(item, text) for key, item in value.items()}
    if isinstance(value, list):
        return [_filtered(item, text) for item in value]
    return text(value) if isinstance(value, str) else value


# Files named in the config whose content decides verdicts: kept with the run (in its
# sealed parameters), so the package can show the version in force.
INPUT_FILES = {"okta": ("terminations_file",)}
MAX_INPUT_BYTES = 8 * 2**20


def input_files(config: LoadedConfig, providers: Sequence[str]) -> list[dict[str, Any]]:
    """Each file named in the config whose content decides verdicts (a provider's
    terminations file, the people roster), with its digest and, up to 8 MiB, its text."""
    named: list[tuple[str, str, Any]] = []
    for provider in providers:
        settings = getattr(config.settings.providers, provider, None)
        for name in INPUT_FILES.get(provider, ()):
            named.append((provider, name, getattr(settings, name, None) if settings is not None else None))
    people = config.settings.people
    if people is not None:
        named.append(("people", "roster", people.roster))
    return [_input_file(provider, name, path) for provider, name, path in named if path]


def _input_file(provider: str, setting: str, path: Any) -> dict[str, Any]:
    import hashlib
    from pathlib import Path

    entry: dict[str, Any] = {"provider": provider, "setting": setting, "path": str(path)}
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        entry["error"] = exc.strerror or str(exc)
        return entry
    entry["sha256"] = "sha256:" + hashlib.sha256(data).hexdigest()
    entry["bytes"] = len(data)
    if len(data) <= MAX_INPUT_BYTES:
        entry["content"] = data.decode("utf-8", errors="replace")
    else:
        entry["error"] = (
            f"larger than {MAX_INPUT_BYTES // 2**20} MiB: digest of its first part only, not kept"
        )
    return entry


def collect_provider(config: LoadedConfig, provider: str, progress: ProgressCallback | None) -> Collection:
    collector = base.load(provider)(settings_for(config, provider))
    resume_from_store(collector, config.settings.database)
    return collector.collect(progress)


def resume_from_store(collector: Any, database_url: str) -> None:
    """Hand a collector that reads only what is new (`resume(last_reads)`: merged
    changes) the last successful read of each of its scopes, from the evidence store;
    and one whose findings' times the API does not keep (`recall(findings)`: Defender's
    sub-assessments) the attributes it last stored for its `vuln.finding`s, by id.
    A store that does not exist yet or cannot be read gives none: the collector then
    reads from its configured start, more rather than less."""
    resume = getattr(collector, "resume", None)
    recall = getattr(collector, "recall", None)
    if not callable(resume) and not callable(recall):
        return
    from evidra.evidence_store.database import is_sqlite, parse_url, sqlite_file
    from evidra.evidence_store.store import EvidenceStore, StoreError

    try:
        parsed = parse_url(database_url)
        path = sqlite_file(parsed) if is_sqlite(parsed) else None
        if is_sqlite(parsed) and (path is None or not path.exists()):
            return
        with EvidenceStore.open(database_url) as evidence:
            if callable(resume):
                resume(evidence.records.last_reads(collector.provider))
            if callable(recall):
                state = evidence.pointintime.state_at(utcnow(), ["vuln.finding"])
                recall(
                    {
                        r.id: r.attributes
                        for r in state.resources
                        if r.present and r.provider == collector.provider and r.type == "vuln.finding"
                    }
                )
    except StoreError:
        return


def store(outcome: RunOutcome, database_url: str, settings: Settings | None = None) -> str:
    """Seal and keep the run; returns where. All of it is written, or none. Then, with
    `settings` naming them, timestamp and anchor it (and any run still waiting): a TSA
    or bucket that cannot be reached leaves the run stored and marked, never lost."""
    from evidra.evidence_store.store import EvidenceStore, RunRecord

    with EvidenceStore.open(database_url) as evidence:
        evidence.chain.record_run(
            RunRecord(
                id=outcome.id,
                started_at=outcome.started_at,
                finished_at=outcome.finished_at,
                tool_version=__version__,
                parameters={
                    "parameters": outcome.parameters,
                    "controls": [c.id for c in outcome.controls],
                    "providers": outcome.providers,
                    "config": outcome.config,
                    "inputs": outcome.inputs,
                },
                collection=outcome.collection,
                results=outcome.results,
            )
        )
        outcome.stored_in = database_url
        if settings is not None and (settings.timestamping or settings.anchor):
            _secure(evidence, settings)
    return database_url


def _secure(evidence: Any, settings: Settings) -> None:
    from evidra.trust.service import secure_runs

    try:
        secure_runs(evidence, settings)
    except Exception:  # the run is committed: nothing here may turn it into a failure
        log.exception("timestamping or anchoring failed; the runs stay marked and are retried")
