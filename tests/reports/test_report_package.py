"""The evidence package end to end: built from stored runs (a failure that appears and
is remediated), checked the way an auditor would without evidra (`sha256sum -c`,
`openssl pkeyutl -verify`, the chain recomputed by hand), OSCAL validated against
compliance-trestle's models, the workbook opened with openpyxl, and `evidra verify`
failing after each kind of tampering, naming the file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pickle
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evidra.controls.catalog import select
from evidra.evidence_store.store import EvidenceStore
from evidra.reports import signing
from evidra.reports.sampling import Sample
from evidra.reports.verify_package import verify_package
from tests.reports.conftest import DAYS, HISTORY_CONTROLS, LEGACY, LOGS, history_run
from tests.reports.package_support import build_package


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only: what is tested here is the package; the store's reads are tested on
    every engine in test_report_period.py."""
    return f"sqlite:///{tmp_path}/evidra.db"


@pytest.fixture
def package(history: EvidenceStore, signing_key: Path, tmp_path: Path) -> Path:
    return build_package(history, signing_key, tmp_path)


def _unpack(package: Path, into: Path) -> Path:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(into)
    return into


def test_the_package_holds_the_contracts_files(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
    for name in (
        "index.html",
        "workbook.xlsx",
        "manifest.json",
        "SHA256SUMS",
        "SHA256SUMS.sig",
        "signing-key.pub",
        "README.txt",
        "oscal/assessment-results.json",
        "runs/chain.json",
        "coverage.csv",
        "report.json",
        "controls/bucket-encryption.csv",
        "controls/bucket-encryption.json",
        "controls/bucket-encryption.population.csv",
        "controls/bucket-encryption.exceptions.csv",
    ):
        assert name in names, name
    assert len([n for n in names if n.startswith("controls/") and n.endswith(".json")]) == len(select(None))
    assert any(n.startswith("manual/") and n.endswith(".pdf") for n in names)


def test_sha256sum_accepts_the_package(package: Path, tmp_path: Path) -> None:
    folder = _unpack(package, tmp_path / "unpacked")
    checked = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=folder, capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    listed = {line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk - listed == {"SHA256SUMS", "SHA256SUMS.sig"}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_signature_as_readme_says(package: Path, tmp_path: Path) -> None:
    folder = _unpack(package, tmp_path / "unpacked")
    command = (
        "openssl pkeyutl -verify -pubin -inkey signing-key.pub -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig"
    )
    assert command.split()[-1] in (folder / "README.txt").read_text()
    good = subprocess.run(command.split(), cwd=folder, capture_output=True, text=True)
    assert good.returncode == 0 and "Verified Successfully" in good.stdout

    with (folder / "SHA256SUMS").open("a") as sums:
        sums.write("0" * 64 + "  extra.txt\n")
    bad = subprocess.run(command.split(), cwd=folder, capture_output=True, text=True)
    assert bad.returncode != 0


def test_the_chain_recomputes_with_the_readmes_recipe(package: Path, tmp_path: Path) -> None:
    folder = _unpack(package, tmp_path / "unpacked")
    readme = (folder / "README.txt").read_text()
    recipe = readme.split("In Python:\n", 1)[1].split("\n\n", 1)[0]
    code = "\n".join(line[7:] for line in recipe.splitlines())  # the README indents it by 7
    subprocess.run([sys.executable, "-c", code], cwd=folder, check=True)

    runs = json.loads((folder / "runs/chain.json").read_text())["runs"]
    assert [run["seq"] for run in runs] == list(range(1, DAYS + 1))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["runs"]["last"]["digest"] == runs[-1]["digest"]


def test_the_exception_window_is_in_the_package(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        windows = list(
            csv.DictReader(io.StringIO(archive.read("controls/bucket-encryption.exceptions.csv").decode()))
        )
        document = json.loads(archive.read("controls/bucket-encryption.json"))
        html = archive.read("index.html").decode()
    by_id = {row["id"]: row for row in windows}
    # times are when the bucket's region was read (its scope record), not the run's end
    assert by_id[LOGS]["failing_from"] == "2026-01-03T03:02:00Z"
    assert by_id[LOGS]["remediated_at"] == "2026-01-05T03:02:00Z"
    assert (by_id[LOGS]["state"], by_id[LOGS]["duration_days"]) == ("remediated", "2.0")
    assert (by_id[LEGACY]["excepted_by"], by_id[LEGACY]["exception_expires"]) == ("CISO", "2026-12-31")
    assert document["control"]["ran"] == DAYS and document["gaps"][0]["run"] == 4
    assert "acme-logs" in html and "remediated" in html
    # The control's severity and what to do about a failure, in the report and its JSON.
    assert "<b>Severity:</b> high. <b>Remediation:</b> Turn on default encryption" in html
    assert document["control"]["severity"] == "high"


def test_every_cited_snapshot_is_in_evidence_by_its_hash(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        cited = set()
        for control in HISTORY_CONTROLS:
            rows = csv.DictReader(io.StringIO(archive.read(f"controls/{control}.csv").decode()))
            cited |= {row["evidence"] for row in rows if row["evidence"]}
        assert cited
        for key in cited:
            name = f"evidence/{key.removeprefix('sha256:')}.json"
            assert name in names
            body = archive.read(name)
            assert "sha256:" + hashlib.sha256(body).hexdigest() == key
            assert json.loads(body)["id"] in (LOGS, LEGACY, history_run(0).collection.observations[0].id)
            # beside it, its provenance: who read it, with which calls, and when its scope was read
            provenance = json.loads(archive.read(f"provenance/{key.removeprefix('sha256:')}.json"))
            read = provenance["read"]
            assert provenance["evidence"] == key
            assert read["provenance"]["principal"] == "arn:aws:iam::123456789012:role/EvidraAudit"
            assert read["provenance"]["calls"][0]["operation"] == "Read"
            assert read["scope"] == json.loads(body)["scope"]
            assert read["observed_at"].startswith("2026-01-0") and read["observed_at"].endswith(
                ":0" + ("2:00Z" if read["scope"].endswith("eu-west-1") else "1:00Z")
            )


def test_coverage_has_every_requirement(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("coverage.csv").decode())))
    by_id = {row["requirement"]: row for row in rows}
    assert len(rows) == 132
    assert by_id["enc.at_rest"]["status"] == "automated"
    assert by_id["vuln.pentest_annual"]["status"] == "manual"
    assert by_id["vuln.pentest_annual"]["manual_evidence"].startswith("manual/")
    assert by_id["pwd.history"]["status"] == "not covered"


def test_oscal_is_valid_against_trestles_models(package: Path) -> None:
    from trestle.oscal.assessment_results import Model

    with zipfile.ZipFile(package) as archive:
        document = json.loads(archive.read("oscal/assessment-results.json"))
    model = Model.model_validate(document)
    (result,) = model.assessment_results.results
    findings = {f.target.target_id: f.target.status.state.value for f in result.findings or []}
    assert findings["identity-user-mfa"] == "not-satisfied"
    assert findings["bucket-encryption"] == "satisfied"  # remediated; the rest excepted
    assert len(result.observations or []) == len(select(None))


def test_the_workbook_opens_with_openpyxl(package: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    folder = _unpack(package, tmp_path / "unpacked")
    book = load_workbook(folder / "workbook.xlsx")
    assert book.sheetnames[:4] == ["Summary", "Coverage", "Manual evidence", "Scopes"]
    assert len(book.sheetnames) == 4 + 2 * len(select(None))  # a sheet and a population sheet each
    values = [cell for row in book["bucket-encryption"].iter_rows(values_only=True) for cell in row if cell]
    assert LOGS in values and "remediated" in values
    summary = [row for row in book["Summary"].iter_rows(values_only=True)]
    header = next(row for row in summary if row and row[0] == "criterion")
    cc61 = dict(zip(header, next(row for row in summary if row and row[0] == "CC6.1"), strict=False))
    assert cc61["controls"] == len([c for c in select(None) if "CC6.1" in c.tsc])
    assert cc61["with evidence"] == 2
    assert isinstance(cc61["share passing"], float)  # a number, shown as a percentage
    population = book["bucket-encryption population"]
    assert population.freeze_panes == "A2" and population.auto_filter.ref.startswith("A1:")
    rows = list(population.iter_rows(values_only=True))
    assert rows[0][:5] == ("provider", "scope", "type", "id", "name")
    legacy = dict(zip(rows[0], next(row for row in rows if row[3] == LEGACY), strict=True))
    assert (legacy["name"], legacy["in_scope"], legacy["runs_judged"]) == ("acme-legacy", "yes", 5)


def test_verify_accepts_the_untouched_package_as_zip_and_folder(
    package: Path, tmp_path: Path, signing_key: Path
) -> None:
    for target in (package, _unpack(package, tmp_path / "unpacked")):
        report = verify_package(target)
        assert report.ok, report.problems
        assert report.runs_checked == DAYS and report.files_checked > 20
        assert report.fingerprint == signing.fingerprint(Path(f"{signing_key}.pub").read_bytes())


def _tamper(folder: Path, how: str) -> str:
    """Apply one kind of tampering; return the name verify must report."""
    if how == "altered":
        with (folder / "controls/bucket-encryption.csv").open("a") as handle:
            handle.write("1,1,x,x,1,aws,s,t,i,pass,forged,\r\n")
        return "altered: controls/bucket-encryption.csv"
    if how == "added":
        (folder / "evidence/forged.json").write_text("{}")
        return "added: evidence/forged.json"
    if how == "missing":
        next((folder / "evidence").iterdir()).unlink()
        return "missing: evidence/"
    if how == "signature":
        signature = bytearray((folder / "SHA256SUMS.sig").read_bytes())
        signature[0] ^= 1
        (folder / "SHA256SUMS.sig").write_bytes(bytes(signature))
        return "signature: SHA256SUMS.sig does not verify SHA256SUMS"
    if how == "resigned-with-another-key":
        # the forger rewrites a file, SHA256SUMS and signs with his own key: only the
        # trusted public key given out of band catches this
        sums = (folder / "SHA256SUMS").read_text()
        other = Ed25519PrivateKey.generate()
        (folder / "signing-key.pub").write_bytes(signing.public_pem(other))
        lines = [
            line
            if not line.endswith("  signing-key.pub")
            else hashlib.sha256((folder / "signing-key.pub").read_bytes()).hexdigest() + "  signing-key.pub"
            for line in sums.splitlines()
        ]
        (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")
        (folder / "SHA256SUMS.sig").write_bytes(other.sign((folder / "SHA256SUMS").read_bytes()))
        return "signature: the package's signing-key.pub is not the public key given with --public-key"
    if how == "chain":
        path = folder / "runs/chain.json"
        chain = json.loads(path.read_text())
        del chain["runs"][2]
        path.write_text(json.dumps(chain))
        return "chain: run"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how", ["altered", "added", "missing", "signature", "resigned-with-another-key", "chain"]
)
def test_verify_names_every_kind_of_tampering(
    package: Path, tmp_path: Path, signing_key: Path, how: str
) -> None:
    folder = _unpack(package, tmp_path / "unpacked")
    expected = _tamper(folder, how)
    trusted = Path(f"{signing_key}.pub").read_bytes()

    report = verify_package(folder, trusted)

    assert not report.ok
    assert any(problem.startswith(expected) for problem in report.problems), report.problems


def test_the_cli_verify_exits_1_naming_the_file_in_a_zip(package: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "index.html":
                data = data.replace(b"remediated", b"fine", 1)
            target.writestr(info, data)
        target.writestr("notes.txt", b"added later")

    good = _evidra("verify", str(package))
    bad = _evidra("verify", str(tampered))

    assert good.returncode == 0, good.stdout + good.stderr
    assert bad.returncode == 1
    assert "altered: index.html" in bad.stdout and "added: notes.txt" in bad.stdout
    assert _evidra("verify", str(tmp_path / "nothing.zip")).returncode == 2


def _evidra(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250"}
    env.pop("EVIDRA_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "evidra", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_the_command_line_from_keys_to_verified_package(tmp_path: Path) -> None:
    database = tmp_path / "evidence.db"
    with EvidenceStore.open(f"sqlite:///{database}") as store:
        for day in range(DAYS):
            store.record_run(history_run(day))
    (tmp_path / "evidra.yaml").write_text(
        f"database: sqlite:///{database}\nreport: {{signing_key: keys/signer.pem}}\n"
    )
    (tmp_path / "pentest.pdf").write_bytes(b"%PDF pentest")

    missing_key = _evidra("report", "--period", "2026-01-01..2026-06-30", "-o", "p.zip", cwd=tmp_path)
    assert missing_key.returncode == 2 and "evidra keys init" in missing_key.stderr

    keys = _evidra("keys", "init", cwd=tmp_path)
    assert keys.returncode == 0, keys.stderr
    key_file = tmp_path / "keys/signer.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    fingerprint = signing.fingerprint((tmp_path / "keys/signer.pem.pub").read_bytes())
    assert fingerprint in keys.stdout

    unknown = _evidra("evidence", "add", "--requirement", "no.such", "--file", "pentest.pdf", cwd=tmp_path)
    assert unknown.returncode == 2 and "no.such" in unknown.stderr
    added = _evidra(
        "evidence", "add", "--requirement", "vuln.pentest_annual", "--file", "pentest.pdf", "--by", "alice",
        "--period", "2026-01-01..2026-06-30", cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr

    refused = _evidra("report", "--period", "2026-01-01..2026-06-30", "-o", "acme.zip", cwd=tmp_path)
    assert refused.returncode == 2 and "--allow-open-period" in refused.stderr  # H1 outlasts the runs
    made = _evidra(
        "report", "--period", "2026-01-01..2026-06-30", "-o", "acme.zip", "--control", "bucket-encryption",
        "--sample", "2", "--seed", "7", "--allow-open-period", cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(tmp_path / "acme.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        results = list(csv.DictReader(io.StringIO(archive.read("controls/bucket-encryption.csv").decode())))
        files = {name: archive.read(name) for name in archive.namelist()}
    assert manifest["period_in_progress"] is True
    assert b"PERIOD IN PROGRESS" in files["README.txt"] and b"Period in progress" in files["index.html"]
    chosen = Sample(2, 7).runs("bucket-encryption", list(range(1, DAYS + 1)))
    assert manifest["sample"]["seed"] == 7 and "random.Random" in manifest["sample"]["method"]
    assert sorted({int(row["first_run"]) for row in results}) == chosen
    assert manifest["signature"]["fingerprint"] == fingerprint
    # the private key never travels
    private = key_file.read_bytes()
    assert not any(private in data or b"PRIVATE KEY" in data for data in files.values())

    assert _evidra("verify", "acme.zip", "--public-key", "keys/signer.pem.pub", cwd=tmp_path).returncode == 0
    assert (
        _evidra("report", "--period", "2026-01-01..2026-06-30", "-o", "acme.zip", cwd=tmp_path).returncode
        == 2
    )
    assert _evidra("verify", cwd=tmp_path).returncode == 0  # no package: the database, as before


def test_the_same_history_gives_the_same_package_bytes(
    history: EvidenceStore, signing_key: Path, tmp_path: Path
) -> None:
    from evidra.reports.package import build
    from tests.reports.package_support import H1, NOW

    made = []
    for name in ("first.zip", "second.zip"):
        build(history, H1, select(None), signing.load_key(signing_key), tmp_path / name, now=NOW)
        made.append((tmp_path / name).read_bytes())
    assert made[0] == made[1]


def test_a_table_too_long_for_the_workbook_links_its_csv(
    history: EvidenceStore, signing_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    from evidra.reports import render_xlsx

    monkeypatch.setattr(render_xlsx, "SHEET_ROWS", 1)  # the history's tables are short
    folder = _unpack(build_package(history, signing_key, tmp_path), tmp_path / "unpacked")
    book = load_workbook(folder / "workbook.xlsx")
    for sheet, csv_path in (
        ("bucket-encryption population", "controls/bucket-encryption.population.csv"),
        ("bucket-encryption", "controls/bucket-encryption.csv"),
        ("bucket-encryption", "controls/bucket-encryption.exceptions.csv"),
    ):
        rows = list(csv.DictReader(io.StringIO((folder / csv_path).read_text(), newline="")))
        assert len(rows) > 1
        links = [c for row in book[sheet].iter_rows() for c in row if c.hyperlink]
        cell = next(c for c in links if c.hyperlink.target == csv_path)  # relative: beside workbook.xlsx
        assert cell.value == csv_path
        note = book[sheet].cell(cell.row, cell.column - 1).value
        assert note.startswith(f"{len(rows)} rows")
    assert LEGACY not in [
        c for row in book["bucket-encryption population"].iter_rows(values_only=True) for c in row
    ]
    assert "first_run" not in [
        c for row in book["bucket-encryption"].iter_rows(values_only=True) for c in row
    ]
    assert verify_package(folder).ok


def test_the_proofs_made_beside_the_build_are_those_made_in_it(history: EvidenceStore) -> None:
    from evidra.reports import proofs, tables
    from evidra.reports.period import analyse
    from tests.reports.package_support import H1, NOW

    report = analyse(history, H1, select(None), NOW)
    results = {item.control.id: tables.result_rows(item, report, None) for item in report.controls}
    seqs = [run.seq for run in report.runs]
    assert history.url_for_reader() is not None  # a file: the second process can open it
    beside = proofs.Pending(history, seqs, results, tables.evidence_path).result()
    assert beside == proofs.files(history, seqs, results, tables.evidence_path)
    assert len(beside) == len(seqs)

    # the second process's refusal reaches the build: a made-up row is never shipped unproven
    forged = {
        **results,
        "bucket-encryption": [{**results["bucket-encryption"][0], "status": "pass", "reason": "x"}],
    }
    with pytest.raises(ValueError, match="no sealed record to prove them"):
        proofs.Pending(history, seqs, forged, tables.evidence_path).result()


def test_an_answer_of_the_second_process_cut_short_is_refused(history: EvidenceStore) -> None:
    """The second process's answer read back whole gives its files; cut anywhere (a
    write cut short, a process gone before its end), it is an error, not fewer proofs."""
    from evidra.reports import proofs, tables
    from evidra.reports.period import analyse
    from tests.reports.package_support import H1, NOW

    report = analyse(history, H1, select(None), NOW)
    results = {item.control.id: tables.result_rows(item, report, None) for item in report.controls}
    seqs = [run.seq for run in report.runs]
    made = proofs.files(history, seqs, results, tables.evidence_path)
    out = io.BytesIO()
    proofs._answer(out, iter(made))
    answer = out.getvalue()
    assert proofs._read_answer(io.BytesIO(answer)) == made
    every_file = len(answer) - len(pickle.dumps(("done", len(made)), protocol=pickle.HIGHEST_PROTOCOL))
    for cut in (0, 1, len(answer) // 2, every_file, len(answer) - 1):
        with pytest.raises(RuntimeError, match="cut short"):
            proofs._read_answer(io.BytesIO(answer[:cut]))
    # the answer of a refusal is the refusal
    refused = io.BytesIO()
    forged = {**results, "bucket-encryption": [{**results["bucket-encryption"][0], "reason": "x"}]}
    proofs._answer(refused, proofs._files(history, seqs, forged, tables.evidence_path))
    with pytest.raises(ValueError, match="no sealed record to prove them"):
        proofs._read_answer(io.BytesIO(refused.getvalue()))


def test_files_written_in_pieces_are_the_same_bytes_as_whole(history: EvidenceStore) -> None:
    """A control's JSON and CSV are streamed (a year's are hundreds of megabytes); the
    pieces must join to the text the whole-document writers make, empty sections too."""
    from evidra.reports import render_csv, render_json, tables
    from evidra.reports.period import analyse
    from tests.reports.package_support import H1, NOW

    report = analyse(history, H1, select(None), NOW)
    for item in report.controls:
        whole = render_json.control_document(item, report, None)
        laid_out = {
            key: list(value) if key in ("population", "results") else value for key, value in whole.items()
        }
        streamed = b"".join(render_json.dump_chunks(render_json.control_document(item, report, None)))
        assert streamed == render_json.dumps(laid_out)
        assert json.loads(streamed)["results"] == tables.result_rows(item, report, None)
        rows = tables.result_rows(item, report, None)
        pieces = list(
            render_csv.csv_chunks(tables.RESULT_COLUMNS, tables.result_values(item, report, None), 2)
        )
        assert b"".join(pieces) == render_csv.to_csv(tables.RESULT_COLUMNS, rows)
    many = {"schema": "x", "empty": iter([]), "entries": iter([{"n": n, "s": "é\n"} for n in range(4500)])}
    assert b"".join(render_json.dump_chunks(many)) == render_json.dumps(
        {"schema": "x", "empty": [], "entries": [{"n": n, "s": "é\n"} for n in range(4500)]}
    )
