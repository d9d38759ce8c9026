"""A third-party provider, its settings and a control, installed as a real distribution.

The test writes a tiny plugin distribution (a wheel: code, dist-info, entry points),
installs it with pip into a fresh virtual environment that sees evidra (the tree under
test) and its dependencies through a .pth file, and runs `evidra check` there: the
provider is found through the `evidra.collectors` entry point, its settings through
`evidra.settings` (unknown keys refused), its control through `evidra.controls`, and a
config's `controls.paths` folder joins the catalog.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import evidra

pytestmark = pytest.mark.slow

PLUGIN_FILES = {
    "evidra_acme/__init__.py": '"""Acme Vault for evidra."""\n',
    "evidra_acme/settings.py": """
from pydantic import BaseModel


class AcmeSettings(BaseModel):  # evidra makes it refuse unknown keys
    inventory: str
""",
    "evidra_acme/collector.py": '''
"""Reads Acme's vault inventory (a JSON export) on evidra's reader vocabulary."""
import json
from dataclasses import dataclass

from evidra.collectors.base import observation
from evidra.collectors.readers import ReaderRegistry, run_unit
from evidra.model import ApiCall, Collection, utcnow

READERS = ReaderRegistry("acme")


@dataclass
class Context:
    inventory: str
    scope: str


@READERS.reader("acme.vaults", types=("storage.bucket",))
def read_vaults(ctx):
    with open(ctx.inventory) as handle:
        vaults = json.load(handle)["vaults"]
    return [
        observation(
            "acme", ctx.scope, "acme-reader", utcnow(), "storage.bucket", f"acme:vault/{v['name']}",
            name=v["name"],
            attributes={"retention_locked": v["locked"], "versioning": v["versions"]},
            raw={"vault": v},
            calls=[ApiCall("acme", "ListVaults", {}, "global")],
        )
        for v in vaults
    ]


class AcmeCollector:
    provider = "acme"

    def __init__(self, settings):
        self.settings = settings

    def collect(self, progress=None):
        collection = Collection()
        ctx = Context(self.settings.inventory, "acme:main")
        for reader in READERS.all():
            outcome = run_unit("acme", reader, ctx, ctx.scope, expected=(OSError,), progress=progress)
            collection.observations.extend(outcome.observations)
            collection.errors.extend(outcome.errors)
            collection.scopes.append(outcome.record)
        return collection
''',
    "evidra_acme/controls/__init__.py": "",
    "evidra_acme/controls/acme-vault-retention-locked.yaml": """
id: acme-vault-retention-locked
title: Acme vaults lock their retention
requirements: [backup.automated]
resource_types: [storage.bucket]
where:
  - {attr: retention_locked, is_set: true}
check:
  - attr: retention_locked
    equals: true
    fail: "retention can be shortened"
pass: "retention locked"
""",
}
ENTRY_POINTS = """[evidra.collectors]
acme = evidra_acme.collector:AcmeCollector

[evidra.settings]
acme = evidra_acme.settings:AcmeSettings

[evidra.controls]
acme = evidra_acme.controls
"""
EXTRA_CONTROL = """
id: acme-vault-versioning
title: Acme vaults keep versions
requirements: [backup.automated]
resource_types: [storage.bucket]
where:
  - {attr: retention_locked, is_set: true}
check:
  - {attr: versioning, equals: true, fail: "no versions kept"}
pass: "versions kept"
"""


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(folder: Path) -> Path:
    """The plugin as a wheel (PEP 427): its files, METADATA, WHEEL, entry points, RECORD."""
    info = "evidra_acme-0.1.0.dist-info"
    files = {name: text.lstrip("\n").encode() for name, text in PLUGIN_FILES.items()}
    files[f"{info}/METADATA"] = b"Metadata-Version: 2.1\nName: evidra-acme\nVersion: 0.1.0\n"
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: evidra-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{info}/entry_points.txt"] = ENTRY_POINTS.encode()
    record = [_record_line(name, data) for name, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = folder / "evidra_acme-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


@pytest.fixture(scope="module")
def plugin_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment with the plugin installed by pip, seeing evidra's tree under
    test first, then the running environment's packages (evidra's dependencies)."""
    root = tmp_path_factory.mktemp("plugin")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    evidra_src = Path(evidra.__file__).resolve().parents[1]
    # The running environment's packages, including those it sees through .pth files.
    packages = dict.fromkeys([*site.getsitepackages(), *(p for p in sys.path if p.endswith("site-packages"))])
    (Path(purelib) / "evidra-under-test.pth").write_text("\n".join([str(evidra_src), *packages]) + "\n")
    wheel = build_wheel(root)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return python


def _evidra(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "EVIDRA_CONFIG")}
    return subprocess.run(
        [str(python), "-m", "evidra", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _config(folder: Path, acme: dict[str, object], paths: list[str] | None = None) -> Path:
    document: dict[str, object] = {
        "database": f"sqlite:///{folder / 'evidra.db'}",
        "providers": {"acme": acme},
    }
    if paths is not None:
        document["controls"] = {"paths": paths}
    config = folder / "evidra.yaml"
    config.write_text(json.dumps(document))  # JSON is YAML
    return config


def test_evidra_check_runs_the_plugins_provider_and_controls(plugin_python: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "vaults.json"
    inventory.write_text(
        json.dumps({"vaults": [{"name": "ledger", "locked": True, "versions": True},
                               {"name": "scratch", "locked": False, "versions": False}]})
    )  # fmt: skip
    (tmp_path / "more-controls").mkdir()
    (tmp_path / "more-controls" / "acme-vault-versioning.yaml").write_text(EXTRA_CONTROL)
    config = _config(tmp_path, {"inventory": str(inventory)}, paths=["more-controls"])

    listed = _evidra(plugin_python, tmp_path, "controls", "list", "--format", "json", "--config", str(config))
    assert listed.returncode == 0, listed.stderr
    ids = {c["id"] for c in json.loads(listed.stdout)["controls"]}
    assert {"acme-vault-retention-locked", "acme-vault-versioning", "bucket-versioning"} <= ids

    checked = _evidra(
        plugin_python, tmp_path, "check", "acme", "--config", str(config), "--format", "json",
        "--control", "acme-vault-retention-locked", "--control", "acme-vault-versioning",
    )  # fmt: skip
    assert checked.returncode == 1, checked.stderr  # one vault fails
    document = json.loads(checked.stdout)
    verdicts = {(r["control"], r["resource"]["id"]): (r["status"], r["reason"]) for r in document["results"]}
    assert verdicts == {
        ("acme-vault-retention-locked", "acme:vault/ledger"): ("pass", "retention locked"),
        ("acme-vault-retention-locked", "acme:vault/scratch"): ("fail", "retention can be shortened"),
        ("acme-vault-versioning", "acme:vault/ledger"): ("pass", "versions kept"),
        ("acme-vault-versioning", "acme:vault/scratch"): ("fail", "no versions kept"),
    }
    assert document["errors"] == []


def test_the_plugins_settings_refuse_unknown_keys(plugin_python: Path, tmp_path: Path) -> None:
    config = _config(tmp_path, {"inventory": "vaults.json", "colour": "blue"})
    refused = _evidra(plugin_python, tmp_path, "check", "acme", "--config", str(config))
    assert refused.returncode == 2
    assert f"{config}: providers.acme.colour: unknown key" in refused.stderr

    config.write_text(json.dumps({"providers": {"zeta": {}}}))
    unknown = _evidra(plugin_python, tmp_path, "check", "--config", str(config))
    assert unknown.returncode == 2 and "providers.zeta: unknown key" in unknown.stderr


def test_a_bad_control_in_a_configured_folder_names_the_file(plugin_python: Path, tmp_path: Path) -> None:
    (tmp_path / "more-controls").mkdir()
    bad = EXTRA_CONTROL.replace("attr: versioning", "attr: colour")
    (tmp_path / "more-controls" / "acme-vault-versioning.yaml").write_text(bad)
    config = _config(tmp_path, {"inventory": "vaults.json"}, paths=["more-controls"])
    refused = _evidra(plugin_python, tmp_path, "check", "acme", "--config", str(config))
    assert refused.returncode == 2
    assert (
        "more-controls/acme-vault-versioning.yaml: 'colour' is not an attribute of storage.bucket"
        in refused.stderr
    )
