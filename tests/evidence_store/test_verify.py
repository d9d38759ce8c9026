"""`verify` catches every kind of after-the-fact edit and names the run it hit.

Each tampering is a raw SQL statement on the database, past the store's API, as an
administrator (or an attacker) with database access would do it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from evidra.evidence_store import integrity
from evidra.evidence_store.store import EvidenceStore

Tamper = Callable[[Connection, str], None]
ZERO_DIGEST = "sha256:" + "0" * 64


def _flip_a_snapshot_byte(connection: Connection, run_id: str) -> None:
    # The bucket snapshot of this run: no other run cites it (see `recorded`).
    key = connection.execute(
        text("SELECT snapshot_hash FROM evidra_observations WHERE run_id = :run AND type = 'storage.bucket'"),
        {"run": run_id},
    ).scalar_one()
    body = connection.execute(
        text("SELECT body FROM evidra_snapshots WHERE hash = :h"), {"h": key}
    ).scalar_one()
    # One bit of one stored byte (the body is a compressed delta of the first state).
    edited = bytearray(body)
    edited[len(edited) // 2] ^= 0x01
    connection.execute(
        text("UPDATE evidra_snapshots SET body = :b WHERE hash = :h"), {"b": bytes(edited), "h": key}
    )


def _sql(statement: str) -> Tamper:
    """A statement run with `:run` (the id), `:seq` (its seq) and `:zero` (a fake digest)."""

    def tamper(connection: Connection, run_id: str) -> None:
        seq = connection.execute(
            text("SELECT seq FROM evidra_runs WHERE id = :run"), {"run": run_id}
        ).scalar()
        changed = connection.execute(
            text(statement), {"run": run_id, "seq": seq, "zero": ZERO_DIGEST}
        ).rowcount
        assert changed >= 1

    return tamper


TAMPERING: dict[str, tuple[Tamper, str]] = {
    "snapshot byte": (_flip_a_snapshot_byte, "it cites no longer matches its hash (content altered)"),
    "result status": (
        # The bucket's failing verdict, held in this run only (see `recorded`).
        _sql(
            "UPDATE evidra_result_spans SET status = 'pass' "
            "WHERE status = 'fail' AND first_seq = :seq AND last_seq = :seq"
        ),
        "results changed since sealing",
    ),
    "run started_at": (
        _sql("UPDATE evidra_runs SET started_at = '2026-11-24 04:00:00.123456' WHERE id = :run"),
        "run metadata changed since sealing",
    ),
    "deleted observation": (
        _sql("DELETE FROM evidra_observation_spans WHERE first_seq = :seq AND last_seq = :seq"),
        "observations changed since sealing (3 sealed, 2 found)",
    ),
    "span cut short": (
        _sql(
            "UPDATE evidra_observation_spans SET last_seq = :seq - 1 "
            "WHERE first_seq < :seq AND (last_seq IS NULL OR last_seq >= :seq)"
        ),
        "observations changed since sealing (3 sealed, 1 found)",
    ),
    "added result": (
        _sql(
            "INSERT INTO evidra_result_spans (resource, first_seq, last_seq, control, requirement, tsc, "
            "status, reason, evidence) "
            "SELECT resource, :seq, :seq, control, requirement, tsc, 'pass', reason, evidence "
            "FROM evidra_result_spans "
            "WHERE id = (SELECT min(span_id) FROM evidra_results WHERE run_id = :run)"
        ),
        "results changed since sealing (4 sealed, 5 found)",
    ),
    "hidden scope gap": (
        _sql("UPDATE evidra_scope_records SET error = NULL WHERE run_id = :run AND error IS NOT NULL"),
        "scope records changed since sealing",
    ),
    "deleted scope error": (
        _sql("DELETE FROM evidra_scope_errors WHERE run_id = :run"),
        "scope errors changed since sealing (1 sealed, 0 found)",
    ),
    "broken previous link": (
        _sql("UPDATE evidra_runs SET previous_digest = :zero WHERE id = :run"),
        f"its link to the previous run is broken (recorded {ZERO_DIGEST}, expected sha256:",
    ),
    "rewritten merkle root": (
        _sql("UPDATE evidra_runs SET merkle_root = :zero WHERE id = :run"),
        "its recorded Merkle root was altered",
    ),
    "rewritten digest": (
        _sql("UPDATE evidra_runs SET digest = :zero WHERE id = :run"),
        "its seal (digest) was altered",
    ),
}


@pytest.mark.parametrize("tamper, reason", TAMPERING.values(), ids=TAMPERING.keys())
def test_verify_names_the_tampered_run(
    store: EvidenceStore, raw: Engine, recorded: Callable[[int], list[str]], tamper: Tamper, reason: str
) -> None:
    ids = recorded(3)
    assert store.verify().ok

    with raw.begin() as connection:
        tamper(connection, ids[1])
    report = store.verify()

    assert not report.ok
    assert (report.run_id, report.seq, report.runs_checked) == (ids[1], 2, 2)
    assert report.problem is not None
    assert report.problem.startswith(f"run {ids[1]} (seq 2): ")
    assert reason in report.problem


def test_an_edit_to_a_record_held_over_many_runs_names_the_first(
    store: EvidenceStore, raw: Engine, recorded: Callable[[int], list[str]]
) -> None:
    """Bob's failing verdict is one span over every run: editing it changes each run's
    logical records, and verify names the first of them."""
    ids = recorded(3)
    with raw.begin() as connection:
        changed = connection.execute(
            text("UPDATE evidra_result_spans SET status = 'pass' WHERE status = 'fail' AND first_seq = 1")
        ).rowcount
    assert changed == 1

    report = store.verify()

    assert (report.ok, report.run_id, report.seq) == (False, ids[0], 1)
    assert report.problem == f"run {ids[0]} (seq 1): results changed since sealing"


def test_a_span_stretched_past_the_last_run_is_caught(
    store: EvidenceStore, raw: Engine, recorded: Callable[[int], list[str]]
) -> None:
    ids = recorded(2)
    with raw.begin() as connection:
        connection.execute(text("UPDATE evidra_observation_spans SET last_seq = 5 WHERE last_seq IS NULL"))

    report = store.verify()

    assert (report.ok, report.run_id) == (False, ids[1])
    assert report.problem is not None and "record(s) claim runs after it" in report.problem


def test_a_deleted_run_breaks_the_chain_at_the_next_one(
    store: EvidenceStore, raw: Engine, recorded: Callable[[int], list[str]]
) -> None:
    ids = recorded(3)
    with raw.begin() as connection:
        for table in ("evidra_scope_records", "evidra_scope_errors"):
            connection.execute(text(f"DELETE FROM {table} WHERE run_id = :run"), {"run": ids[1]})  # noqa: S608
        for table in ("evidra_observation_spans", "evidra_result_spans"):
            connection.execute(text(f"DELETE FROM {table} WHERE first_seq = 2 AND last_seq = 2"))  # noqa: S608
        connection.execute(text("DELETE FROM evidra_runs WHERE id = :run"), {"run": ids[1]})

    report = store.verify()

    assert (report.ok, report.run_id, report.seq) == (False, ids[2], 3)
    assert report.problem == f"run {ids[2]} (seq 3): the run before it (seq 2) is missing"


def test_a_resealed_run_still_breaks_the_chain(
    store: EvidenceStore, raw: Engine, recorded: Callable[[int], list[str]]
) -> None:
    """Whoever edits a run and recomputes its whole seal cannot fix the next run's
    link without resealing every later run: the chain names the next one."""
    ids = recorded(3)
    target = ids[1]
    with raw.begin() as connection:
        connection.execute(
            text("UPDATE evidra_result_spans SET status = 'pass' WHERE first_seq = 2 AND last_seq = 2")
        )
    _reseal(store, raw, target)

    report = store.verify()

    assert (report.ok, report.run_id, report.seq) == (False, ids[2], 3)
    assert report.problem is not None and "its link to the previous run is broken" in report.problem


def _reseal(store: EvidenceStore, raw: Engine, run_id: str) -> None:
    """Recompute a run's Merkle root, section roots and digest from its current rows."""
    run = store.get_run(run_id)
    assert run is not None
    leaves = {
        kind: [integrity.leaf(kind, row) for row in rows] for kind, rows in _rows(store, run_id).items()
    }
    leaves["run"] = [integrity.leaf("run", run.__dict__)]
    root = integrity.run_root(leaves)
    with raw.begin() as connection:
        connection.execute(
            text(
                "UPDATE evidra_runs SET merkle_root = :root, section_roots = :sections, digest = :digest "
                "WHERE id = :run"
            ),
            {
                "root": root,
                "sections": json.dumps(integrity.section_roots(leaves)),
                "digest": integrity.chain_digest(run.previous_digest, root, run.id, run.seq),
                "run": run_id,
            },
        )


def _rows(store: EvidenceStore, run_id: str) -> dict[str, list[dict[str, Any]]]:
    """A run's records from the read API, keyed by the sealed field names."""
    return {
        "observation": [
            {
                **{k: o[k] for k in ("provider", "scope", "type", "name")},
                "resource_id": o["id"],
                "snapshot_hash": o["snapshot"],
                "provenance_hash": o["provenance"],
            }
            for o in store.observations(run_id)
        ],
        "scope": store.scope_records(run_id),
        "scope_error": store.errors(run_id),
        "result": [
            {
                **{k: r[k] for k in ("control", "requirement", "tsc", "status", "reason", "evidence")},
                "provider": r["resource"]["provider"],
                "scope": r["resource"]["scope"],
                "resource_type": r["resource"]["type"],
                "resource_id": r["resource"]["id"],
            }
            for r in store.results(run_id)
        ],
    }


def test_a_seal_can_be_recomputed_from_the_documentation_alone(
    store: EvidenceStore, recorded: Callable[[int], list[str]]
) -> None:
    """The construction in integrity's docstring, written again with hashlib and json
    only: an auditor's recomputation agrees with every stored seal."""
    recorded(3)

    def canonical(document: dict[str, Any]) -> bytes:
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return value

    def leaf(kind: str, fields: dict[str, Any]) -> bytes:
        return hashlib.sha256(canonical({"kind": kind, **{k: plain(v) for k, v in fields.items()}})).digest()

    def root(leaves: list[bytes]) -> str:
        level = sorted(leaves)
        while len(level) > 1:
            paired = [
                hashlib.sha256(b"\x01" + a + b).digest()
                for a, b in zip(level[::2], level[1::2], strict=False)
            ]
            level = paired + ([level[-1]] if len(level) % 2 else [])
        return "sha256:" + level[0].hex()

    previous = None
    for run in store.runs():
        metadata = {
            k: v for k, v in run.__dict__.items() if k not in ("merkle_root", "previous_digest", "digest")
        }
        leaves = [leaf("run", metadata)]
        leaves += [leaf(kind, row) for kind, rows in _rows(store, run.id).items() for row in rows]
        expected_root = root(leaves)
        seal = {"merkle_root": expected_root, "previous": previous, "run": run.id, "seq": run.seq}
        assert run.merkle_root == expected_root
        assert run.digest == "sha256:" + hashlib.sha256(canonical(seal)).hexdigest()
        assert run.previous_digest == previous
        previous = run.digest


def test_verify_checks_a_shared_snapshot_once(
    store: EvidenceStore, recorded: Callable[[int], list[str]]
) -> None:
    recorded(4)
    report = store.verify()
    # parameters 1 + provenance 3 + users 2 + the bucket in its two states
    assert (report.ok, report.runs_checked, report.snapshots_checked) == (True, 4, 8)


def test_a_closed_span_reopened_is_caught_at_the_run_that_did_not_see_it(
    store: EvidenceStore, raw: Engine, recorded: Callable[[int], list[str]]
) -> None:
    ids = recorded(3)  # the unencrypted bucket: seen by run 2 only
    with raw.begin() as connection:
        changed = connection.execute(
            text("UPDATE evidra_observation_spans SET last_seq = NULL WHERE first_seq = 2 AND last_seq = 2")
        ).rowcount
    assert changed == 1

    report = store.verify()

    assert (report.ok, report.run_id, report.seq) == (False, ids[2], 3)
    assert report.problem == f"run {ids[2]} (seq 3): observations changed since sealing (3 sealed, 4 found)"


def test_sealed_changes_rebuild_each_runs_sealed_records(
    store: EvidenceStore, recorded: Callable[[int], list[str]]
) -> None:
    """Walked as changes (what the package's proofs do over a year), each run's
    records are those sealed_records gives, and their leaves give the run's root."""
    recorded(4)
    held: dict[str, list[tuple[str, Any]]] = {}
    walked = {}
    for run, entered, left, own in store.sealed_changes([1, 2, 3, 4]):
        for kind, record, digest, _ in left:
            held[digest].remove((kind, record))
        assert run.seq == 1 or entered or left  # the bucket changes every day
        for kind, record, digest, sealed in entered:
            held.setdefault(digest, []).append((kind, record))
            # the bytes given are those the leaf hashes, the record's leaf document
            assert digest == "sha256:" + hashlib.sha256(sealed).hexdigest()
            assert json.loads(sealed) == integrity.leaf_document(kind, record)
        assert all(digest == "sha256:" + hashlib.sha256(sealed).hexdigest() for _, _, digest, sealed in own)
        leaves = [d for d, items in held.items() for _ in items] + [item[2] for item in own]
        assert integrity.merkle_root(leaves) == run.merkle_root
        walked[run.seq] = sorted(leaves)
    for run, items in store.sealed_records([1, 2, 3, 4]):
        assert walked[run.seq] == sorted(digest for _, _, digest in items)
    # a run alone, after a gap: the spans it holds enter at once
    ((run, entered, left, own),) = store.sealed_changes([3])
    assert not left and sorted([item[2] for item in entered] + [item[2] for item in own]) == walked[3]
