"""Inclusion proofs for what the package shows: every result row of `controls/<id>.csv`
is proven in the first and the last run it claims (a sampled row: its one run), and
the observation behind each evidence file in the row's first run. A proof leads from
the record's sealed form (its leaf document) to the run's Merkle root in
runs/chain.json, whose digests are signed and, with trusted timestamps, dated by a
TSA: a row edited and re-signed with the company's key no longer has a proof.
Each record is written as the bytes its leaf hashes (the leaf document's canonical
JSON, sorted keys and no spaces): `sha256:` + SHA-256 of that text is its leaf.

    runs/proofs/<seq>.json  {"schema": "evidra.package.proofs/v2", "seq": 3, "leaves": 20005,
                             "records": [{"index": 17, "record": {"kind": "result", ...},
                                          "shown_in": ["controls/mfa.csv#2", ...]}, ...],
                             "nodes": [[0, 16, "<hex>"], [1, 9, "<hex>"], ...]}

One file per run, holding one multiproof (integrity.py, 5.): the run's proven records
with their leaves' places, and each other node needed to reach the root once, however
many records share it. A year of 10,000 resources proves about 140,000 records; as
one path each (v1, `"proofs": [{"seq", "record", "path", "shown_in"}]`, which `verify`
still reads) the upper nodes were repeated for every record of a run.

`shown_in` names each CSV data row (1 = the first after the header) or evidence file
the record stands behind; `verify PACKAGE` checks that every row is covered, that its
columns are the record's, and that every run's proof reaches its root. Runs between a
row's first and last are not proven one by one (that would be a proof per run per
result); `evidra verify` on the database checks every run.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from operator import itemgetter
from typing import Any, BinaryIO, NamedTuple

from evidra.cycles import collector_paused
from evidra.evidence_store.integrity import leaf_document, merkle_levels_sorted, multiproof_nodes
from evidra.evidence_store.store import EvidenceStore

SCHEMA = "evidra.package.proofs/v2"
SCHEMA_PATHS = "evidra.package.proofs/v1"  # one path per record: read by verify, no longer written
PROOFS = "runs/proofs/"  # one <seq>.json per run
CHAIN = "runs/chain.json"
# The CSV columns of a result row and the sealed field each one shows.
ROW_FIELDS = {
    "provider": "provider",
    "scope": "scope",
    "type": "resource_type",
    "id": "resource_id",
    "status": "status",
    "reason": "reason",
    "evidence": "evidence",
}


def result_key(control: str, record: Mapping[str, Any]) -> tuple[str, ...]:
    """What a CSV row shows of a sealed result (`record` holds sealed field names)."""
    return (control, *("" if record.get(name) is None else str(record[name]) for name in ROW_FIELDS.values()))


# result_key's fields of a sealed result, as `itemgetter` reads them.
_RESULT_FIELDS = itemgetter("control", *ROW_FIELDS.values())


def row_key(control: str, row: Mapping[str, Any]) -> tuple[str, ...]:
    """The same for a CSV row (`row` holds column names)."""
    return (control, *("" if row.get(column) is None else str(row[column]) for column in ROW_FIELDS))


def _observation_key(record: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(record[name]) for name in ("provider", "scope", "type", "resource_id", "snapshot_hash"))


def _node(digest: str) -> bytes:
    return bytes.fromhex(digest.removeprefix("sha256:"))


def _record_key(kind: str, record: Mapping[str, Any]) -> tuple[str, ...]:
    if kind == "result":
        return result_key(str(record["control"]), record)
    if kind == "observation":
        return _observation_key(record)
    return ("run",)


class _Proven(NamedTuple):
    """One run's multiproof: its leaf count, its proven records in leaf order as
    (index, kind, sealed record, the bytes its leaf hashes, shown_in), and the other
    nodes needed."""

    seq: int
    leaves: int
    records: list[tuple[int, str, Mapping[str, Any], bytes, list[str]]]
    nodes: list[list[Any]]


def _result_key(record: Mapping[str, Any]) -> tuple[str, ...]:
    """`result_key` for a sealed result, whose shown fields are text (VARCHAR) or null:
    the values as they are, unless one is null (it shows as "")."""
    values: tuple[str, ...] = _RESULT_FIELDS(record)
    return values if None not in values else result_key(str(record["control"]), record)


def _proven(
    store: EvidenceStore,
    run_seqs: list[int],
    rows: Mapping[str, list[dict[str, Any]]],
    evidence_path: Callable[[str], str],
) -> Iterator[_Proven]:
    """`build`'s work, one run at a time (so that a run's file is written before the
    next is proven): the runs of `run_seqs` and those the rows claim, in seq order."""
    wanted_results: dict[int, dict[tuple[str, ...], list[str]]] = defaultdict(lambda: defaultdict(list))
    wanted_observations: dict[int, dict[tuple[str, ...], list[str]]] = defaultdict(lambda: defaultdict(list))
    for control, table in rows.items():
        for number, row in enumerate(table, start=1):
            shown = f"controls/{control}.csv#{number}"
            key = row_key(control, row)
            first, last = int(row["first_run"]), int(row["last_run"])
            for seq in (first,) if first == last else sorted((first, last)):
                wanted_results[seq][key].append(shown)
            if row.get("evidence"):
                seen = (row["provider"], row["scope"], row["type"], row["id"], row["evidence"])
                files = wanted_observations[first][seen]
                path = evidence_path(row["evidence"])
                if path not in files:
                    files.append(path)
    period = set(run_seqs)
    missing: list[str] = []
    # Walked as changes (a year of runs costs its changes): the leaves of the spanned
    # records a run holds, and those records by what a row or file shows of them.
    spanned: set[bytes] = set()
    twice: Counter[bytes] = Counter()  # a leaf held more than once (two records sealing the same)
    held: dict[tuple[str, tuple[str, ...]], list[tuple[Mapping[str, Any], str, bytes, bytes]]] = defaultdict(
        list
    )
    seqs = set(run_seqs) | set(wanted_results) | set(wanted_observations)
    for run, entered, left, own in store.sealed_changes(seqs):
        for kind, record, digest, _ in left:
            node = _node(digest)
            if twice[node]:
                twice[node] -= 1
            else:
                spanned.discard(node)
            entries = held[(kind, _result_key(record) if kind == "result" else _record_key(kind, record))]
            entries.remove(next(entry for entry in entries if entry[1] == digest))
        for kind, record, digest, body in entered:
            node = _node(digest)
            if node in spanned:
                twice[node] += 1
            else:
                spanned.add(node)
            key = _result_key(record) if kind == "result" else _record_key(kind, record)
            held[(kind, key)].append((record, digest, body, node))
        leaves = sorted([*spanned, *twice.elements(), *(_node(item[2]) for item in own)])
        targets: list[tuple[str, Mapping[str, Any], str, bytes, bytes, list[str]]] = []
        if run.seq in period:
            targets += [
                (kind, record, digest, body, _node(digest), [CHAIN])
                for kind, record, digest, body in own
                if kind == "run"
            ]
        for kind, wanted in (
            ("result", wanted_results.pop(run.seq, {})),
            ("observation", wanted_observations.pop(run.seq, {})),
        ):
            for key, places in wanted.items():
                holding = held.get((kind, key))
                if holding:
                    targets.append((kind, *holding[0], places))
                elif kind == "result":
                    missing += places
        if not targets:
            continue
        # Each leaf's place in the tree (the first, should two records seal the same).
        place = dict(zip(reversed(leaves), range(len(leaves) - 1, -1, -1), strict=True))
        chosen = sorted(
            ((place[node], kind, sealed, body, places) for kind, sealed, _, body, node, places in targets),
            key=itemgetter(0),  # in leaf order, as the tree holds them
        )
        nodes = multiproof_nodes(merkle_levels_sorted(leaves), [item[0] for item in chosen])
        yield _Proven(run.seq, len(leaves), chosen, nodes)
    if missing:  # the store changed under the report, or a row was made up: never ship it unproven
        raise ValueError(f"{len(missing)} row(s) have no sealed record to prove them, first {missing[0]}")


def build(
    store: EvidenceStore,
    run_seqs: list[int],
    rows: Mapping[str, list[dict[str, Any]]],
    evidence_path: Callable[[str], str],
) -> list[dict[str, Any]]:
    """`run_seqs`: the period's runs (each one's sealed metadata is proven, which binds
    runs/chain.json's times and counts); `rows`: each control's result rows as written
    to `controls/<id>.csv`; `evidence_path(hash)`: the package path of an evidence file."""
    with collector_paused():
        return [
            {
                "schema": SCHEMA,
                "seq": proven.seq,
                "leaves": proven.leaves,
                "records": [
                    {"index": index, "record": leaf_document(kind, sealed), "shown_in": places}
                    for index, kind, sealed, _, places in proven.records
                ],
                "nodes": proven.nodes,
            }
            for proven in _proven(store, run_seqs, rows, evidence_path)
        ]


def write(
    sink: Any,
    store: EvidenceStore,
    run_seqs: list[int],
    rows: Mapping[str, list[dict[str, Any]]],
    evidence_path: Callable[[str], str],
) -> int:
    """`build`, written as one file per run into the package's `sink`; returns the
    count of records proven."""
    written = files(store, run_seqs, rows, evidence_path)
    for name, body in written:
        sink.add(name, body)
    return len(written)


def files(
    store: EvidenceStore,
    run_seqs: list[int],
    rows: Mapping[str, list[dict[str, Any]]],
    evidence_path: Callable[[str], str],
) -> list[tuple[str, bytes]]:
    """`build` as the package's files: (runs/proofs/<seq>.json, its bytes)."""
    return list(_files(store, run_seqs, rows, evidence_path))


# Each file is laid out as render_json.dumps would (its keys, and each record and node,
# one a line), written here directly: laying out a year's million records as documents
# was a third of the proofs' time, and their dicts most of its memory. A record is
# written as the bytes its leaf hashes (its canonical JSON: sorted keys, no spaces),
# made once when the span was read, so that sha256 of that text is the leaf.
_TEXT = json.encoder.encode_basestring  # a str in JSON (the places are all str)
_HEAD = '{{\n "schema": ' + _TEXT(SCHEMA) + ',\n "seq": {seq},\n "leaves": {leaves},\n "records": [\n'


def _files(
    store: EvidenceStore,
    run_seqs: list[int],
    rows: Mapping[str, list[dict[str, Any]]],
    evidence_path: Callable[[str], str],
) -> Iterator[tuple[str, bytes]]:
    with collector_paused():
        for proven in _proven(store, run_seqs, rows, evidence_path):
            records = b",\n".join(
                b'  {"index": %d, "record": %b, "shown_in": [%b]}'
                % (index, body, ", ".join(map(_TEXT, places)).encode())
                for index, _, _, body, places in proven.records
            )
            nodes = ",\n".join(f'  [{level}, {index}, "{text}"]' for level, index, text in proven.nodes)
            written = b"".join(
                (
                    _HEAD.format(seq=proven.seq, leaves=proven.leaves).encode(),
                    records,
                    b'\n ],\n "nodes": ',
                    f"[\n{nodes}\n ]".encode() if nodes else b"[]",
                    b"\n}\n",
                )
            )
            yield f"{PROOFS}{proven.seq}.json", written


class Pending:
    """The proofs' files, made by a second process while the package's other files are
    written (they are a third of a year's build, and a machine has two cores or more);
    in this one when the store cannot be opened from another (an in-memory database)
    or there is one core. The files are the same bytes either way. The second process
    is `python -m evidra.reports.proofs`, given its work on stdin (pickled: it is ours),
    not multiprocessing's spawn, which would run the caller's main script again. It
    writes its answer to a temporary file, each proof file as it is made and then how
    many it made (`_answer`), read back by `_read_answer`: an answer cut short (a
    year's is half a GiB) is an error, never a package with fewer proofs."""

    def __init__(
        self,
        store: EvidenceStore,
        run_seqs: list[int],
        rows: Mapping[str, list[dict[str, Any]]],
        evidence_path: Callable[[str], str],
    ) -> None:
        import os
        import pickle
        import subprocess
        import sys
        import tempfile

        self._process: subprocess.Popen[bytes] | None = None
        self._files: list[tuple[str, bytes]] | None = None
        self._answer: str | None = None
        url = store.url_for_reader()
        if url is None or (os.cpu_count() or 1) < 2:
            self._files = files(store, run_seqs, rows, evidence_path)
            return
        descriptor, self._answer = tempfile.mkstemp(prefix="evidra-proofs-", suffix=".pickle")
        os.close(descriptor)
        work = pickle.dumps((url, run_seqs, dict(rows), evidence_path, self._answer))
        command = [sys.executable, "-m", "evidra.reports.proofs"]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE)
        assert self._process.stdin is not None
        with self._process.stdin as pipe:  # the child reads all of it before working
            pipe.write(work)

    def result(self) -> list[tuple[str, bytes]]:
        if self._process is not None:
            code, self._process = self._process.wait(), None
            if code != 0:
                raise RuntimeError(f"making the inclusion proofs failed (exit {code}), see the error above")
            assert self._answer is not None
            with open(self._answer, "rb") as answer:
                self._files = _read_answer(answer)
            self._remove_answer()
        assert self._files is not None
        return self._files

    def __enter__(self) -> Pending:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the second process if the package failed before its proofs were read."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
        self._remove_answer()

    def _remove_answer(self) -> None:
        import os

        if self._answer is not None:
            os.unlink(self._answer)
            self._answer = None


def _answer(out: BinaryIO, made: Iterator[tuple[str, bytes]]) -> None:
    """The second process's answer: ("file", name, bytes) per file as it is made, then
    ("done", how many), or ("error", message) when the rows cannot all be proven."""
    import pickle

    count = 0
    try:
        for name, body in made:
            pickle.dump(("file", name, body), out, protocol=pickle.HIGHEST_PROTOCOL)
            count += 1
        outcome: tuple[Any, ...] = ("done", count)
    except ValueError as exc:
        outcome = ("error", str(exc))
    pickle.dump(outcome, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def _read_answer(answer: BinaryIO) -> list[tuple[str, bytes]]:
    """The files of an `_answer`; ValueError for the second process's refusal,
    RuntimeError when the answer is cut short or is not one."""
    import pickle

    made: list[tuple[str, bytes]] = []
    while True:
        try:
            item = pickle.load(answer)  # noqa: S301 (from our own child process)
        except (EOFError, pickle.UnpicklingError) as exc:
            raise RuntimeError(
                f"the inclusion proofs' answer was cut short after {len(made)} file(s) ({exc})"
            ) from None
        if item[0] == "file":
            made.append((item[1], item[2]))
        elif item[0] == "error":
            raise ValueError(item[1])
        elif item == ("done", len(made)):
            return made
        else:
            raise RuntimeError(
                f"the inclusion proofs' answer is not one ({item[0]!r} after {len(made)} files)"
            )


def _serve() -> None:
    """The second process: work from stdin, its answer to the file the work names."""
    import pickle
    import sys

    from evidra.evidence_store.store import EvidenceStore

    sys.stdout = sys.stderr  # whatever is printed while working goes where errors go
    url, run_seqs, rows, evidence_path, answer = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 (our parent)
    with EvidenceStore.open(url) as store, open(answer, "wb") as out:
        _answer(out, _files(store, run_seqs, rows, evidence_path))


if __name__ == "__main__":
    _serve()
