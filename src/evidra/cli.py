"""The command line (contract: DESIGN.md). Thin: parses, calls, prints.

Heavy modules (cloud SDKs, SQLAlchemy, pydantic) are imported inside the commands
that need them, so `evidra --help` and `evidra controls list` answer at once.
"""

from __future__ import annotations

import os
import sys
from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from datetime import datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from evidra.config.loader import LoadedConfig
    from evidra.config.settings import Settings
    from evidra.controls.catalog import Control
    from evidra.evidence_store.store import EvidenceStore, StoredRun
    from evidra.reports.package import TrustMaterial
    from evidra.runner import RunOutcome

# Exit codes (contract): 0 all passed, 1 a failure, 2 bad usage or config, 3 a scope
# could not be read. 4 is evidra's own failure (e.g. the database refused the run).
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 4

app = typer.Typer(
    help="evidra: automated cloud evidence for SOC 2.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
controls_app = typer.Typer(help="The control catalog.", no_args_is_help=True)
app.add_typer(controls_app, name="controls")
evidence_app = typer.Typer(
    help="Manual evidence for requirements no control automates.", no_args_is_help=True
)
app.add_typer(evidence_app, name="evidence")
keys_app = typer.Typer(help="The key that signs evidence packages.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)


class Format(StrEnum):
    table = "table"
    json = "json"


ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="config file (default: $EVIDRA_CONFIG or ./evidra.yaml)")
]
ControlOption = Annotated[
    list[str] | None, typer.Option("--control", help="only this control (repeatable)", show_default=False)
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table for people, json for scripts")]
ProvidersArg = Annotated[
    list[str] | None, typer.Argument(help="providers to read (default: those configured)")
]


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    from evidra.output.literal import markup_safe
    from evidra.redact import redact_text

    err.print(
        f"[bold red]error:[/] {markup_safe(redact_text(message), lines=True)}",
        markup=True,
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(code)


def _load(config: Path | None) -> LoadedConfig:
    from evidra.config.loader import ConfigError, load

    try:
        return load(config)
    except ConfigError as exc:
        _fail(str(exc))


def _controls(ids: list[str] | None) -> list[Control]:
    from evidra.controls.catalog import CatalogError, select

    try:
        return select(ids)
    except CatalogError as exc:
        _fail(str(exc))


class ProgressDisplay:
    """A live progress bar on stderr while a run collects: units of work done out of
    those planned so far (collectors announce them as they plan, see
    `collectors.base.announce`), elapsed time, and the latest unit's line. It
    disappears when the run ends, leaving the terminal to the verdicts."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("collecting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.description}"),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("", total=None)
        self._planned = 0

    def add_total(self, units: int) -> None:
        self._planned += units
        self._progress.update(self._task, total=self._planned)

    def __call__(self, message: str) -> None:
        from evidra.output.literal import markup_safe

        line = message if len(message) <= 100 else message[:99] + "…"
        self._progress.update(self._task, advance=1, description=markup_safe(line))

    def __enter__(self) -> ProgressDisplay:
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()


def _progress_printer(enabled: bool) -> ProgressDisplay | None:
    """The progress display for people at a terminal (stderr is one, the output is a
    table); None, and silence, otherwise: scripts and pipes get only the result."""
    if not (enabled and err.is_terminal):
        return None
    return ProgressDisplay(err)


def _run(
    config_path: Path | None,
    providers: list[str] | None,
    control: list[str] | None,
    fmt: Format,
    persist: bool,
) -> RunOutcome:
    from evidra import runner
    from evidra.config.loader import ConfigError

    config = _load(config_path)
    controls = _controls(control)
    if persist:
        _check_database(config.settings.database)  # before collecting, not after
    progress = _progress_printer(fmt is Format.table)
    try:
        with progress or nullcontext():
            outcome = runner.run(config, controls, providers or [], progress)
    except ConfigError as exc:
        _fail(str(exc))
    if persist:
        try:
            runner.store(outcome, config.settings.database, config.settings)
        except Exception as exc:
            _fail(f"the run was not stored (nothing of it was written): {exc}", EXIT_INTERNAL)
    return outcome


def _print(outcome: RunOutcome, fmt: Format, show_all: bool = False) -> None:
    if fmt is Format.json:
        from evidra.output.check_json import render

        sys.stdout.write(render(outcome) + "\n")
    else:
        from evidra.output.table import render as render_table

        render_table(outcome, out, show_all)


AllOption = Annotated[
    bool,
    typer.Option("--all", help="the table lists every result, passes included, not only the first failures"),
]


@app.command()
def check(
    providers: ProvidersArg = None,
    control: ControlOption = None,
    fmt: FormatOption = Format.table,
    config: ConfigOption = None,
    show_all: AllOption = False,
) -> None:
    """Collect, evaluate and print a verdict per resource per control. Stores nothing."""
    outcome = _run(config, providers, control, fmt, persist=False)
    _print(outcome, fmt, show_all)
    raise typer.Exit(outcome.exit_code())


@app.command()
def collect(
    providers: ProvidersArg = None,
    control: ControlOption = None,
    fmt: FormatOption = Format.table,
    config: ConfigOption = None,
    show_all: AllOption = False,
) -> None:
    """Like check, and keep the run as sealed evidence in the database."""
    outcome = _run(config, providers, control, fmt, persist=True)
    _print(outcome, fmt, show_all)
    raise typer.Exit(outcome.exit_code())


@controls_app.command("list")
def controls_list(
    fmt: FormatOption = Format.table,
    parameters: Annotated[
        bool, typer.Option("--parameters", help="also list every policy parameter")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """The controls, the requirements they evidence and their SOC 2 criteria."""
    from evidra.output.catalog_view import render_controls

    loaded = _load(config) if (parameters or config) else None
    render_controls(_controls(None), fmt.value, out, loaded.parameters if loaded else None, parameters)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="where to write the example config")] = Path("evidra.yaml"),
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Write a commented example config."""
    from importlib import resources

    if path.is_symlink():
        _fail(f"{path} is a symbolic link; evidra init does not write through links (remove it first)")
    if path.exists() and not force:
        _fail(f"{path} already exists; use --force to overwrite it")
    example = resources.files("evidra.config").joinpath("example.yaml").read_bytes()
    try:  # O_NOFOLLOW: a link put there meanwhile is refused, not followed
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror}")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(example)
    out.print(f"wrote {shown(path)}; edit it, then run `evidra check --config {shown(path)}`", markup=False)


DatabaseOption = Annotated[
    str | None, typer.Option("--database", help="database URL, instead of the config's `database`")
]


@app.command()
def verify(
    package: Annotated[
        Path | None, typer.Argument(help="an evidence package (.zip or folder); none: the database")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="the signer's public key, obtained out of band")
    ] = None,
    fingerprint: Annotated[
        str | None,
        typer.Option(
            "--fingerprint", help="the signer's key fingerprint (sha256:<hex>), obtained out of band"
        ),
    ] = None,
    tsa_ca: Annotated[
        Path | None,
        typer.Option("--tsa-ca", help="the TSA root certificate(s) to trust (default: timestamping.ca_file)"),
    ] = None,
    max_skew_minutes: Annotated[
        int | None,
        typer.Option("--max-skew-minutes", min=0, help="default: timestamping.max_skew_minutes, else 10"),
    ] = None,
    require_timestamps: Annotated[
        bool, typer.Option("--require-timestamps", help="a run without a timestamp token is an error")
    ] = False,
    anchors: Annotated[
        bool,
        typer.Option("--anchors", help="also compare the runs with the write-once anchors (config: anchor)"),
    ] = False,
    config: ConfigOption = None,
    database: DatabaseOption = None,
) -> None:
    """Recompute every stored run's seal and the chain, naming the first run that does not
    match, then check the runs' timestamp tokens (and, with --anchors, the anchors); or check
    an evidence package: every file, the signature, the chain, the tokens, the proofs."""
    if package is not None:
        _verify_package(package, public_key, fingerprint, tsa_ca, max_skew_minutes, require_timestamps)
    from evidra.evidence_store.store import EvidenceStore

    # --database alone (an auditor's copy) reads no config: --tsa-ca names the TSA roots.
    loaded = _load(config) if (config is not None or database is None or anchors) else None
    url = database or (loaded.settings.database if loaded else "")
    _check_database(url)
    try:
        with EvidenceStore.open(url) as store:
            report = store.chain.verify()
            trusted = _verify_trust(store, loaded, tsa_ca, max_skew_minutes, require_timestamps, anchors)
    except typer.Exit:
        raise
    except Exception as exc:
        _fail(f"cannot read the evidence store: {exc}", EXIT_INTERNAL)
    if not report.ok:
        out.print(f"[bold red]altered[/]: {escape_markup(report.problem or '')}", markup=True, soft_wrap=True)
    else:
        anchored = (
            f" from seq {report.anchored_at} (older runs pruned, as the prune event records)"
            if report.anchored_at
            else ""
        )
        out.print(f"[green]ok[/]: {report.runs_checked} run(s), chain intact{anchored}", markup=True)
    raise typer.Exit(0 if report.ok and trusted else 1)


def _verify_trust(
    store: EvidenceStore,
    loaded: LoadedConfig | None,
    tsa_ca: Path | None,
    max_skew_minutes: int | None,
    require_timestamps: bool,
    anchors: bool,
) -> bool:
    """The tokens (and anchors) after the chain; prints what it finds; True when all hold."""
    from datetime import timedelta

    from evidra.trust.check import RunSeal, check_tokens
    from evidra.trust.tsa import TimestampError, load_roots

    settings = loaded.settings if loaded else None
    stamping = settings.timestamping if settings else None
    ok = True
    runs = store.chain.runs()
    tokens = {run_id: row.token for run_id, row in store.trust.timestamps().items() if row.token is not None}
    ca = tsa_ca or (Path(stamping.ca_file) if stamping else None)
    skew = (
        max_skew_minutes if max_skew_minutes is not None else (stamping.max_skew_minutes if stamping else 10)
    )
    seals = [RunSeal(run.id, run.seq, run.digest, run.finished_at) for run in runs]
    if ca is None:
        if tokens or require_timestamps:
            out.print(
                f"[yellow]timestamps not checked[/]: {len(tokens)} token(s), but no TSA root "
                "(--tsa-ca or timestamping.ca_file)",
                markup=True,
            )
        ok = not require_timestamps
    else:
        try:
            roots = load_roots(ca)
        except TimestampError as exc:
            _fail(str(exc))
        checked = check_tokens(seals, tokens, roots, timedelta(minutes=skew))
        for problem in checked.problems:
            out.print(f"[bold red]timestamp[/]: {escape_markup(problem)}", markup=True, soft_wrap=True)
        missing = checked.unstamped
        label = "[bold red]untimestamped[/]" if require_timestamps and missing else "untimestamped"
        out.print(
            f"{'[green]ok[/]' if not checked.problems else '[bold red]not ok[/]'}: {checked.stamped} "
            f"timestamp token(s) hold (TSA roots {escape_markup(str(ca))}, skew at most {skew} min); "
            f"{label}: {len(missing)} run(s)"
            + (": seq " + ", ".join(str(run.seq) for run in missing[:50]) if missing else "")
            + (" ..." if len(missing) > 50 else ""),
            markup=True,
            soft_wrap=True,
        )
        ok = not checked.problems and not (require_timestamps and missing)
    if anchors:
        ok = _verify_anchors(store, settings, runs) and ok
    return ok


def _verify_anchors(store: EvidenceStore, settings: Settings | None, runs: list[StoredRun]) -> bool:
    from evidra.trust.anchors import AnchorError, S3Anchors, compare

    anchor = settings.anchor if settings else None
    if anchor is None:
        _fail("--anchors needs `anchor: {s3: {bucket: ..., prefix: ..., retention_days: ...}}` in the config")
    reader = S3Anchors(anchor.s3)
    try:
        found, markers = reader.read_all()
    except AnchorError as exc:
        _fail(str(exc), EXIT_INTERNAL)
    problems = compare(found, runs, store.retention.pruned_before(), markers)
    for problem in problems:
        out.print(f"[bold red]anchor[/]: {escape_markup(problem)}", markup=True, soft_wrap=True)
    anchored = {anchor.body.get("run") for anchor in found}
    unanchored = [run.seq for run in runs if run.id not in anchored]
    out.print(
        f"{'[green]ok[/]' if not problems else '[bold red]not ok[/]'}: {len(found)} anchor(s) in "
        f"{escape_markup(reader.where)}; runs not anchored: {len(unanchored)}"
        + (": seq " + ", ".join(map(str, unanchored[:50])) if unanchored else ""),
        markup=True,
        soft_wrap=True,
    )
    return not problems


@app.command()
def timestamp(
    backlog: Annotated[
        bool,
        typer.Option("--backlog", help="also the runs stored before timestamping was on (late tokens)"),
    ] = False,
    config: ConfigOption = None,
    database: DatabaseOption = None,
) -> None:
    """Timestamp (and anchor) the runs still waiting for a token (or anchor): what follows
    each run, again, after a TSA or the anchor bucket could not be reached. A token
    obtained now proves only that the run existed now."""
    from evidra.evidence_store.store import EvidenceStore
    from evidra.trust.service import secure_runs

    loaded = _load(config)
    settings = loaded.settings
    if settings.timestamping is None and settings.anchor is None:
        _fail("nothing to do: the config has neither `timestamping` nor `anchor`")
    try:
        _check_database(database or settings.database)
        with EvidenceStore.open(database or settings.database) as store:
            done = secure_runs(store, settings, backlog=backlog)
    except Exception as exc:
        _fail(f"cannot read the evidence store: {exc}", EXIT_INTERNAL)
    for error in done.errors:
        err.print(f"[yellow]{escape_markup(error)}[/]", markup=True, soft_wrap=True)
    out.print(
        f"timestamped {len(done.stamped)} run(s), anchored {len(done.anchored)}; "
        f"still waiting: {done.pending_stamps} for a token, {done.pending_anchors} for an anchor",
        markup=False,
    )
    raise typer.Exit(1 if done.errors else 0)


def _need_report_extra() -> None:
    """The package's dependencies, checked before any work: a clear message, not a traceback."""
    from importlib.util import find_spec

    missing = [name for name in ("cryptography", "openpyxl") if find_spec(name) is None]
    if missing:
        _fail(f"evidence packages need: pip install 'evidra[report]' ({', '.join(missing)} missing)")


def _verify_package(
    package: Path,
    public_key: Path | None,
    fingerprint: str | None,
    tsa_ca: Path | None,
    max_skew_minutes: int | None,
    require_timestamps: bool,
) -> NoReturn:
    _need_report_extra()
    from evidra.reports.verify_package import PackageError, verify_package

    try:
        trusted = public_key.read_bytes() if public_key else None
    except OSError as exc:
        _fail(f"--public-key {public_key}: {exc.strerror}")
    try:
        roots = tsa_ca.read_bytes() if tsa_ca else None
    except OSError as exc:
        _fail(f"--tsa-ca {tsa_ca}: {exc.strerror}")
    try:
        report = verify_package(
            package,
            trusted,
            fingerprint=fingerprint,
            tsa_roots=roots,
            max_skew_minutes=10 if max_skew_minutes is None else max_skew_minutes,
            require_timestamps=require_timestamps,
        )
    except PackageError as exc:
        _fail(str(exc))
    for problem in report.problems:
        out.print(f"[bold red]{markup_safe(problem)}[/]", markup=True, soft_wrap=True)
    if not report.ok:
        out.print(
            f"[bold red]altered[/]: {len(report.problems)} problem(s) in {markup_safe(package)}", markup=True
        )
        raise typer.Exit(1)
    stamps = (
        f"{report.tokens_checked} timestamp token(s) hold (TSA roots: {report.tsa_roots})"
        if report.tokens_checked
        else "no timestamp token"
    )
    out.print(
        f"[green]ok[/]: {report.files_checked} file(s) match SHA256SUMS, signed by {report.fingerprint} "
        f"(checked against {report.fingerprint_source}), chain of {report.runs_checked} run(s) intact, "
        f"{report.proofs_checked} inclusion proof(s) reach their runs' roots ({report.rows_proven} row(s) "
        f"proven), {stamps}; untimestamped: {len(report.unstamped)} run(s)",
        markup=True,
        soft_wrap=True,
    )
    if trusted is None and fingerprint is None:
        out.print(
            "[yellow]note[/]: without --fingerprint or --public-key (from the organisation, out of band) "
            "anyone could have signed this package",
            markup=True,
            soft_wrap=True,
        )
    raise typer.Exit(0)


def shown(text: object) -> str:
    from evidra.output.literal import shown

    return shown(text)


def markup_safe(text: object) -> str:
    from evidra.output.literal import markup_safe

    return markup_safe(text)


escape_markup = markup_safe  # the name the trust commands use


@app.command()
def report(
    period: Annotated[
        str, typer.Option("--period", help="START..END, e.g. 2026-01-01..2026-06-30 (UTC days)")
    ],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="the package as a .zip")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="the package as a folder, instead")] = None,
    control: ControlOption = None,
    sample: Annotated[
        int | None, typer.Option("--sample", min=1, help="N runs per control (needs --seed)")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="the sample's seed, written into the package")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing .zip")] = False,
    allow_open_period: Annotated[
        bool,
        typer.Option(
            "--allow-open-period",
            help="build it even though the period ends after the newest run (labelled 'period in progress')",
        ),
    ] = False,
    config: ConfigOption = None,
    database: DatabaseOption = None,
) -> None:
    """Build the signed evidence package for a review period, for the auditor."""
    from evidra.model import utcnow
    from evidra.reports.period import Period, PeriodError, is_open

    _need_report_extra()
    if (output is None) == (out_dir is None):
        _fail("name where the package goes: -o PACKAGE.zip or --out FOLDER (one of them)")
    if (sample is None) != (seed is None):
        _fail("--sample and --seed go together: the seed lets anyone draw the same sample again")
    try:
        chosen_period = Period.parse(period)
    except PeriodError as exc:
        _fail(str(exc))
    target = output or out_dir
    assert target is not None
    if output is not None and output.exists() and not force:
        _fail(f"{output} already exists; use --force to replace it")
    controls = _controls(control)
    loaded = _load(config)
    key = _signing_key(loaded)
    from evidra.reports.package import build
    from evidra.reports.sampling import Sample

    with _open_store(config, database) as store:
        runs = store.chain.runs()
        if not any(chosen_period.start_at <= run.started_at < chosen_period.end_at for run in runs):
            stored = (
                f"stored runs span {runs[0].started_at:%Y-%m-%d} to {runs[-1].started_at:%Y-%m-%d}"
                if runs
                else "no run is stored"
            )
            _fail(f"no run started in {chosen_period} ({stored})")
        if is_open(chosen_period, runs[-1]) and not allow_open_period:
            _fail(
                f"the period {chosen_period} ends after the newest run ({runs[-1].started_at:%Y-%m-%d}): "
                "its evidence is not complete yet; wait for its last day's run, or pass "
                "--allow-open-period for a package labelled 'period in progress'"
            )
        try:
            built = build(
                store,
                chosen_period,
                controls,
                key,
                target,
                now=utcnow(),
                sample=Sample(sample, seed) if sample is not None and seed is not None else None,
                as_folder=out_dir is not None,
                trust=_trust_material(loaded),
                policy=loaded.settings.policy.model_dump(),
            )
        except FileExistsError as exc:
            _fail(str(exc))
        except Exception as exc:
            _fail(f"the package was not written: {exc}", EXIT_INTERNAL)
    out.print(
        f"wrote {shown(built.path)}: {built.runs} run(s), {built.controls} control(s), "
        f"{built.evidence} evidence file(s), {built.files} files "
        f"({built.bytes / 2**20:.1f} MiB uncompressed); "
        f"signed by {built.fingerprint}",
        markup=False,
        soft_wrap=True,
    )


def _trust_material(loaded: LoadedConfig) -> TrustMaterial:
    from evidra.reports.package import TrustMaterial

    stamping = loaded.settings.timestamping
    if stamping is None:
        return TrustMaterial()
    try:
        roots = Path(stamping.ca_file).read_bytes()
    except OSError as exc:
        _fail(f"timestamping.ca_file {stamping.ca_file}: {exc.strerror}")
    return TrustMaterial(roots, stamping.max_skew_minutes)


@app.command("sample")
def sample_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="the sample package (.zip)")],
    population: Annotated[
        Path | None,
        typer.Option("--population", help="a package's controls/ID.population.csv to draw from"),
    ] = None,
    size: Annotated[int | None, typer.Option("--size", min=1, help="how many items to draw")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="the auditor's seed")] = None,
    selection: Annotated[
        Path | None,
        typer.Option(
            "--from", help="the auditor's own CSV of items: control,id,date (provider,scope,type optional)"
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing .zip")] = False,
    config: ConfigOption = None,
    database: DatabaseOption = None,
) -> None:
    """Build a package of exactly the items the auditor selects: drawn from a population
    file with the auditor's seed, or listed in the auditor's own file."""
    import hashlib

    from evidra.model import utcnow
    from evidra.reports import sampling

    _need_report_extra()
    if (population is None) == (selection is None):
        _fail("name what to sample: --population FILE --size N --seed S, or --from SELECTION.csv")
    if population is not None and (size is None or seed is None):
        _fail("--population needs --size and --seed: the seed lets anyone draw the same sample again")
    if output.exists() and not force:
        _fail(f"{output} already exists; use --force to replace it")
    source = population or selection
    assert source is not None
    try:
        data = source.read_bytes()
    except OSError as exc:
        _fail(f"{source}: {exc.strerror}")
    try:
        if population is not None:
            assert size is not None and seed is not None
            control_id = population.name.removesuffix(".population.csv")
            if control_id == population.name:
                _fail(f"--population {population}: expected a file named <control>.population.csv")
            items = sampling.draw(data, str(population), control_id, size, seed)
            method: dict[str, Any] = {
                "method": sampling.POPULATION_METHOD,
                "seed": seed,
                "size": size,
                "population": {"file": population.name, "sha256": hashlib.sha256(data).hexdigest()},
            }
        else:
            items = sampling.read_selection(data, str(selection))
            method = {
                "method": sampling.SELECTION_METHOD,
                "selection": {"file": source.name, "sha256": hashlib.sha256(data).hexdigest()},
            }
    except sampling.SelectionError as exc:
        _fail(str(exc))
    if not items:
        _fail(f"{source}: nothing in scope to draw from")
    controls = _controls(sorted({item.control for item in items}))
    loaded = _load(config)
    key = _signing_key(loaded)
    from evidra.reports.package import build_sample

    with _open_store(config, database) as store:
        try:
            built = build_sample(store, items, controls, key, output, now=utcnow(), method=method)
        except Exception as exc:
            _fail(f"the sample was not written: {exc}", EXIT_INTERNAL)
    out.print(
        f"wrote {built.path}: {len(items)} item(s) of {built.controls} control(s), {built.evidence} evidence "
        f"file(s); signed by {built.fingerprint}",
        markup=False,
        soft_wrap=True,
    )


def _signing_key_path(loaded: LoadedConfig) -> Path:
    configured = loaded.settings.report.signing_key
    if configured:
        return Path(configured)
    from evidra.evidence_store.database import parse_url, sqlite_file

    try:
        database = sqlite_file(parse_url(loaded.settings.database))
    except Exception:
        database = None
    return (database.parent if database else Path()) / "evidra-signing-key.pem"


def _signing_key(loaded: LoadedConfig) -> Ed25519PrivateKey:
    from evidra.reports.signing import SigningError, load_key

    try:
        return load_key(_signing_key_path(loaded))
    except SigningError as exc:
        _fail(str(exc))


@keys_app.command("init")
def keys_init(
    force: Annotated[bool, typer.Option("--force", help="replace the existing key")] = False,
    config: ConfigOption = None,
) -> None:
    """Make the Ed25519 key pair that signs evidence packages (private key mode 0600)."""
    _need_report_extra()
    from evidra.reports.signing import SigningError, init_key

    path = _signing_key_path(_load(config))
    try:
        fingerprint = init_key(path, force)
    except SigningError as exc:
        _fail(str(exc))
    out.print(
        f"wrote the signing key {shown(path)} (keep it secret) and its public key {shown(path)}.pub\n"
        f"fingerprint {fingerprint}: give it to your auditor out of band",
        markup=False,
        soft_wrap=True,
    )


@evidence_app.command("add")
def evidence_add(
    requirement: Annotated[str, typer.Option("--requirement", help="the policy requirement id it evidences")],
    file: Annotated[Path, typer.Option("--file", help="the evidence file (a report, a signed review ...)")],
    follow_symlinks: Annotated[
        bool, typer.Option("--follow-symlinks", help="read the file a symbolic link points to")
    ] = False,
    note: Annotated[str | None, typer.Option("--note", help="what it is, for the auditor")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="START..END it covers (default: the period it is added in)")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="who adds it (default: your OS user name)")] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="the day the evidence is about, YYYY-MM-DD (default: today, UTC)"),
    ] = None,
    config: ConfigOption = None,
    database: DatabaseOption = None,
) -> None:
    """Keep a file as manual evidence of a policy requirement; it goes into every package of its period."""
    import getpass

    from evidra.controls.requirements import requirements
    from evidra.files import NotRegularFile, read_regular_file
    from evidra.reports.period import Period, PeriodError

    if requirement not in requirements():
        _fail(
            f"--requirement: unknown requirement {requirement!r} (ids are in coverage.csv of a package, "
            "or `evidra controls list`)"
        )
    try:
        covered = Period.parse(period) if period else None
    except PeriodError as exc:
        _fail(str(exc))
    from datetime import date as Date

    from evidra.model import utcnow

    try:
        day = Date.fromisoformat(on) if on else utcnow().date()
    except ValueError:
        _fail(f"--date: {on!r} is not a date like 2026-03-31")
    try:
        content = read_regular_file(file, follow_symlinks=follow_symlinks)
    except NotRegularFile as exc:
        _fail(f"--file {file}: {exc}")
    except OSError as exc:
        _fail(f"--file {file}: {exc.strerror}")
    who = by or getpass.getuser()
    with _open_store(config, database) as store:
        try:
            added = store.manual.add(
                requirement,
                file.name,
                content,
                added_by=who,
                note=note,
                period=(covered.start, covered.end) if covered else None,
                evidence_date=day,
            )
        except Exception as exc:
            _fail(str(exc), EXIT_INTERNAL)
        runs = store.chain.runs()
    out.print(
        f"added {shown(file.name)} ({added.file}) as evidence of {requirement} for {day}, by {shown(who)}",
        markup=False,
        soft_wrap=True,
    )
    for warning in _evidence_warnings(day, covered, runs):
        err.print(f"[yellow]warning:[/] {escape_markup(warning)}", markup=True, soft_wrap=True)


def _evidence_warnings(day: Any, covered: Any, runs: list[Any]) -> list[str]:
    """Manual evidence that no package period will hold, said at once rather than found
    missing in an audit."""
    from evidra.model import utcnow

    warnings = []
    if covered is not None and not covered.contains(day):
        warnings.append(f"--date {day} is outside --period {covered}: packages use the period")
    window = (covered.start, covered.end) if covered is not None else (day, day)
    if day > utcnow().date():
        warnings.append(f"--date {day} is in the future")
    if not runs:
        warnings.append("no run is stored yet: no package period holds this evidence until runs cover it")
    else:
        first, last = runs[0].started_at.date(), runs[-1].started_at.date()
        if window[1] < first or window[0] > last:
            warnings.append(
                f"{window[0]}..{window[1]} falls in no package period: stored runs span {first} to {last}"
            )
    return warnings


@evidence_app.command("list")
def evidence_list(config: ConfigOption = None, database: DatabaseOption = None) -> None:
    """The manual evidence kept: requirement, file, date or period, who added it and when."""
    from evidra.model import iso

    with _open_store(config, database) as store:
        items = store.manual.items()
    for item in items:
        covered = f"{item.period_start}..{item.period_end}" if item.period_start else str(item.date)
        out.print(
            shown(
                f"{item.requirement}  {item.file_name}  {item.file}  {covered}  "
                f"{item.added_by}  {iso(item.added_at)}  {item.note or ''}"
            ),
            markup=False,
            soft_wrap=True,
        )


def _open_store(config: Path | None, database: str | None) -> EvidenceStore:
    from evidra.evidence_store.store import EvidenceStore

    url = database or _load(config).settings.database
    _check_database(url)
    try:
        return EvidenceStore.open(url)
    except Exception as exc:
        _fail(f"cannot read the evidence store: {exc}", EXIT_INTERNAL)


def _check_database(url: str) -> None:
    """A database setting that cannot be right (a SQLite file in a directory that does
    not exist) is bad config, exit 2, before anything is done."""
    from evidra.evidence_store.database import StoreError, check_location, parse_url

    try:
        check_location(parse_url(url))
    except StoreError as exc:
        _fail(f"database: {exc}")


def _time(text: str, end_of_day: bool) -> datetime:
    from evidra.output.history import TimeError, parse_time

    try:
        return parse_time(text, end_of_day=end_of_day)
    except TimeError as exc:
        _fail(str(exc))


@app.command()
def show(
    resource: Annotated[str, typer.Argument(help="the resource's native id (ARN, Okta id ...)")],
    at: Annotated[
        str, typer.Option("--at", help="as of this time: 2026-03-01 (end of day, UTC), ...T12:00:00Z, now")
    ] = "now",
    diff: Annotated[
        tuple[str, str] | None,
        typer.Option("--diff", metavar="TIME1 TIME2", help="what changed between two times"),
    ] = None,
    type_: Annotated[
        str | None, typer.Option("--type", help="the resource type, if the id is ambiguous")
    ] = None,
    scope: Annotated[str | None, typer.Option("--scope", help="the scope, if the id is ambiguous")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="also the provider's raw answers")] = False,
    fmt: FormatOption = Format.table,
    config: ConfigOption = None,
    database: DatabaseOption = None,
) -> None:
    """A resource's state and verdicts as of a time, or what changed between two times."""
    from evidra.evidence_store.store import StoreError
    from evidra.output import history

    times = [_time(t, end_of_day=True) for t in (diff or (at,))]
    with _open_store(config, database) as store:
        try:
            if diff:
                changed = store.pointintime.diff(resource, times[0], times[1], type=type_, scope=scope)
                state = changed.after if changed else None
            else:
                state = store.pointintime.resource_at(resource, times[0], type=type_, scope=scope)
        except StoreError as exc:
            _fail(str(exc))
        if state is None:
            _fail(f"no resource {resource!r} in the evidence store")
        if fmt is Format.json:
            text = (
                history.diff_json(changed, times[0], times[1], raw)
                if diff and changed
                else history.state_json(state, times[0], raw)
            )
            sys.stdout.write(text + "\n")
        elif diff and changed:
            history.render_diff(changed, times[0], times[1], out)
        else:
            history.render_state(state, times[0], raw, out)


@app.command()
def prune(
    before: Annotated[str, typer.Option("--before", help="delete runs started before this date (UTC)")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    config: ConfigOption = None,
    database: DatabaseOption = None,
) -> None:
    """Delete old evidence (never the newest run), recording who pruned what and when."""
    cutoff = _time(before, end_of_day=False)
    with _open_store(config, database) as store:
        runs = store.chain.runs()
        doomed = [run for run in runs[:-1] if run.started_at < cutoff]
        if not doomed:
            out.print(
                f"nothing to prune: no run (but the newest) started before {shown(before)}", markup=False
            )
            raise typer.Exit(0)
        question = (
            f"Delete {len(doomed)} run(s) (seq {doomed[0].seq}..{doomed[-1].seq}) started before "
            f"{before}, and the evidence only they cite? This cannot be undone"
        )
        if not yes:
            if not sys.stdin.isatty():
                _fail("prune deletes evidence: confirm with --yes")
            if not typer.confirm(question, default=False):
                _fail("nothing was pruned", 1)
        try:
            detail = store.retention.prune(cutoff)
        except Exception as exc:
            _fail(str(exc), EXIT_INTERNAL)
    out.print(
        f"pruned {detail['runs_deleted']} run(s), {detail['snapshots_deleted']} snapshot(s); "
        f"the chain now starts at seq {detail['first_kept']['seq']} (recorded in the events table)"
    )


@app.command()
def demo(
    database: Annotated[Path, typer.Option("--database", help="SQLite file for the demo's evidence")] = Path(
        "evidra-demo.db"
    ),
    fmt: FormatOption = Format.table,
) -> None:
    """Start a local AWS emulator, seed a small estate, collect, evaluate and store it."""
    from evidra.demo.run import run_demo

    progress = _progress_printer(fmt is Format.table)
    try:
        with progress or nullcontext():
            outcome = run_demo(database, progress=progress)
    except ModuleNotFoundError as exc:
        _fail(f"the demo needs the emulator: pip install 'evidra[demo]' ({exc.name} is missing)")
    _print(outcome, fmt)
    if fmt is Format.table:
        out.print(
            f"\nThe demo estate fails some controls on purpose. The sealed evidence is in "
            f"{database.resolve()} (SQLite); check its seal with "
            f"`evidra verify --database sqlite:///{database}`."
        )


@app.command()
def daemon(
    config: ConfigOption = None,
    ready_file: Annotated[
        Path | None, typer.Option("--ready-file", help="write host:port here once serving (for supervisors)")
    ] = None,
) -> None:
    """Collect on each provider's schedule for months; /healthz and /metrics on `daemon.listen`."""
    loaded = _load(config)
    try:
        from evidra.daemon.service import run_daemon
    except ModuleNotFoundError as exc:
        _fail(f"the daemon needs its extra: pip install 'evidra[daemon]' ({exc.name} is missing)")
    from evidra.config.loader import ConfigError

    try:
        _check_database(loaded.settings.database)
        code = run_daemon(loaded, ready_file)
    except ConfigError as exc:  # e.g. the broker's password variable is not set
        _fail(str(exc))
    except ModuleNotFoundError as exc:
        _fail(f"executor: celery needs its extra: pip install 'evidra[celery]' ({exc.name} is missing)")
    raise typer.Exit(code)


@app.command()
def worker(
    config: ConfigOption = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, help="scopes collected at once (default: CPUs)")
    ] = None,
) -> None:
    """Collect scopes for the daemon (`daemon.executor: celery`) from `daemon.broker`."""
    loaded = _load(config)
    from evidra.config.loader import ConfigError

    try:
        from evidra.daemon.worker import run_worker
    except ModuleNotFoundError as exc:
        _fail(f"the worker needs its extra: pip install 'evidra[celery]' ({exc.name} is missing)")
    try:
        _check_database(loaded.settings.database)
        code = run_worker(loaded, concurrency)
    except ConfigError as exc:
        _fail(str(exc))
    raise typer.Exit(code)


@app.command()
def version() -> None:
    """Print evidra's version."""
    from evidra import __version__

    out.print(__version__)


def _add_access_review() -> None:
    from evidra.access_review_cli import access_review_app  # its own module: cli.py stays short

    app.add_typer(access_review_app, name="access-review")


_add_access_review()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted; nothing partial was stored")
        sys.exit(130)


if __name__ == "__main__":
    main()
