"""Checking runs' timestamp tokens: each against the TSA roots the auditor trusts, its
message imprint against the run's seal, and its time against the run's recorded
finish. Shared by `evidra verify` (the database) and `verify PACKAGE`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509

from evidra.evidence_store.integrity import timestamp
from evidra.trust import tsa


@dataclass(frozen=True)
class RunSeal:
    id: str
    seq: int
    digest: str
    finished_at: datetime


@dataclass
class TimestampCheck:
    problems: list[str] = field(default_factory=list)  # each names a run
    stamped: int = 0  # tokens that hold
    unstamped: list[RunSeal] = field(default_factory=list)


def check_tokens(
    runs: list[RunSeal],
    tokens: dict[str, bytes],
    roots: list[x509.Certificate],
    max_skew: timedelta,
) -> TimestampCheck:
    """`tokens`: the DER TimeStampResp of each run that has one, by run id."""
    result = TimestampCheck()
    for run in runs:
        token = tokens.get(run.id)
        if token is None:
            result.unstamped.append(run)
            continue
        where = f"run {run.id} (seq {run.seq})"
        try:
            trusted = tsa.check(token, run.digest, roots)
        except tsa.TimestampError as exc:
            result.problems.append(f"{where}: its timestamp token does not hold ({exc})")
            continue
        late = trusted - run.finished_at
        if late > max_skew:
            minutes = int(late.total_seconds() // 60)
            result.problems.append(
                f"{where}: its trusted time {timestamp(trusted)} is {minutes} minutes after its recorded "
                f"finish {timestamp(run.finished_at)} (more than {int(max_skew.total_seconds() // 60)}): "
                "backfilled, or stamped late; it proves only that the run existed at the trusted time"
            )
            continue
        if run.finished_at - trusted > max_skew:
            result.problems.append(
                f"{where}: its recorded finish {timestamp(run.finished_at)} is after its trusted time "
                f"{timestamp(trusted)} by more than the allowed skew (a clock ahead, or a forged time)"
            )
            continue
        result.stamped += 1
    return result
