"""The command line (contract: DESIGN.md). Thin: parses, calls, prints.

Heavy modules (cloud SDKs, SQLAlchemy, pydantic) are imported inside the commands
that need them, so `evidra --help` and `evidra controls list` answer at once.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from evidra.collectors.base import ProgressCallback
    from evidra.config.loader import LoadedConfig
    from evidra.controls.catalog import Control
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
    from evidra.redact import redact_text

    err.print(f"[bold red]error:[/] {redact_text(message)}", markup=True, highlight=False, soft_wrap=True)
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


def _progress_printer(enabled: bool) -> ProgressCallback | None:
    """A one-line status on stderr for people at a terminal; silent otherwise."""
    if not (enabled and err.is_terminal):
        return None

    def show(message: str) -> None:
        err.print(f"[dim]{message}[/]", end="\r", markup=True, highlight=False)

    return show


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
    try:
        outcome = runner.run(config, controls, providers or [], _progress_printer(fmt is Format.table))
    except ConfigError as exc:
        _fail(str(exc))
    if persist:
        try:
            runner.store(outcome, config.settings.database)
        except Exception as exc:
            _fail(f"the run was not stored (nothing of it was written): {exc}", EXIT_INTERNAL)
    return outcome


def _print(outcome: RunOutcome, fmt: Format) -> None:
    if fmt is Format.json:
        from evidra.output.check_json import render

        sys.stdout.write(render(outcome) + "\n")
    else:
        from evidra.output.table import render as render_table

        render_table(outcome, out)


@app.command()
def check(
    providers: ProvidersArg = None,
    control: ControlOption = None,
    fmt: FormatOption = Format.table,
    config: ConfigOption = None,
) -> None:
    """Collect, evaluate and print a verdict per resource per control. Stores nothing."""
    outcome = _run(config, providers, control, fmt, persist=False)
    _print(outcome, fmt)
    raise typer.Exit(outcome.exit_code())


@app.command()
def collect(
    providers: ProvidersArg = None,
    control: ControlOption = None,
    fmt: FormatOption = Format.table,
    config: ConfigOption = None,
) -> None:
    """Like check, and keep the run as sealed evidence in the database."""
    outcome = _run(config, providers, control, fmt, persist=True)
    _print(outcome, fmt)
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

    if path.exists() and not force:
        _fail(f"{path} already exists; use --force to overwrite it")
    path.write_bytes(resources.files("evidra.config").joinpath("example.yaml").read_bytes())
    out.print(f"wrote {path}; edit it, then run `evidra check --config {path}`")


DatabaseOption = Annotated[
    str | None, typer.Option("--database", help="database URL, instead of the config's `database`")
]


@app.command()
def verify(config: ConfigOption = None, database: DatabaseOption = None) -> None:
    """Recompute every stored run's seal and the chain; name the first run that does not match."""
    from evidra.evidence_store.store import EvidenceStore

    url = database or _load(config).settings.database
    try:
        with EvidenceStore.open(url) as store:
            report = store.verify()
    except Exception as exc:
        _fail(f"cannot read the evidence store: {exc}", EXIT_INTERNAL)
    if report.ok:
        out.print(f"[green]ok[/]: {report.runs_checked} run(s), chain intact", markup=True)
        raise typer.Exit(0)
    out.print(f"[bold red]altered[/]: {report.problem}", markup=True)
    raise typer.Exit(1)


@app.command()
def demo(
    database: Annotated[Path, typer.Option("--database", help="SQLite file for the demo's evidence")] = Path(
        "evidra-demo.db"
    ),
    fmt: FormatOption = Format.table,
) -> None:
    """Start a local AWS emulator, seed a small estate, collect, evaluate and store it."""
    from evidra.demo.run import run_demo

    try:
        outcome = run_demo(database, progress=_progress_printer(fmt is Format.table))
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
def version() -> None:
    """Print evidra's version."""
    from evidra import __version__

    out.print(__version__)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted; nothing partial was stored")
        sys.exit(130)


if __name__ == "__main__":
    main()
