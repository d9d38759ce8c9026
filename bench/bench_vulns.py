"""Benchmark: vulnerability findings over a year, collected, stored and reported. Run by hand.

    PYTHONPATH=src .venv/bin/python bench/bench_vulns.py --findings 100000 --every-days 7
    PYTHONPATH=src .venv/bin/python bench/bench_vulns.py --collect-only --collect 5000
    PYTHONPATH=src .venv/bin/python bench/bench_vulns.py --store-only --keep /tmp/vulns.db --again --package

Two parts, because moto's Security Hub cannot hold a year of findings (its import looks
each finding up in a list: 100,000 findings cost 5 billion comparisons):

1. **Collect** (`--collect` findings, default 5,000) through the real path: seeded in
   moto's Security Hub with BatchImportFindings, seven in ten reviewed with
   BatchUpdateFindings, then read by the AWS collector with boto3 (GetFindings pages,
   GetFindingHistory per reviewed finding). Counts the Security Hub requests with a
   botocore hook against the minimum the API allows (one GetFindings page per 100
   findings, one history read per reviewed finding: there is no batch history).
2. **Store and report** (`--findings`, default 100,000, first observed across 365 days):
   each run builds the findings Security Hub would list that day (open, or closed in the
   last 90 days) as observations through the reader's own `vulnerability()` (the same
   attributes, raw answer and calls), judges them with every `vuln-*` control, and stores
   the run in a fresh SQLite file; one run every `--every-days` days, then one unchanged
   run; then the period's package section (`vulnerabilities/findings.csv`, `summary.csv`).

Prints times, database size and max RSS. Nothing asserted: the figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from evidra.collectors.aws import securityhub
from evidra.collectors.aws.registry import Context
from evidra.controls.catalog import catalog
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.evidence_store.store import EvidenceStore, RunRecord
from evidra.model import ApiCall, Collection, ScopeRecord

ACCOUNT = "123456789012"
REGION = "us-east-1"
SCOPE = f"aws:{ACCOUNT}:{REGION}"
DAY0 = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
SEVERITIES = (("CRITICAL", 0.05, 7), ("HIGH", 0.2, 30), ("MEDIUM", 0.45, 90), ("LOW", 0.3, 180))
PRODUCT = f"arn:aws:securityhub:{REGION}::product/aws/inspector"


@dataclass
class Finding:
    n: int
    severity: str
    first: datetime
    closed: datetime | None  # fixed or suppressed then
    suppressed: bool
    triaged: datetime | None

    def asff(self, at: datetime) -> dict[str, Any]:
        closed = self.closed if self.closed and self.closed <= at else None
        reviewed = self.triaged is not None and self.triaged <= at
        workflow = "SUPPRESSED" if closed and self.suppressed else ("NOTIFIED" if reviewed else "NEW")
        stamp = (closed or self.first).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {
            "SchemaVersion": "2018-10-08",
            "Id": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/{uuid.UUID(int=self.n).hex}",
            "ProductArn": PRODUCT,
            "ProductName": "Inspector",
            "CompanyName": "Amazon",
            "Region": REGION,
            "GeneratorId": "AWSInspector",
            "AwsAccountId": ACCOUNT,
            "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
            "FirstObservedAt": self.first.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "CreatedAt": self.first.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "UpdatedAt": stamp,
            "Severity": {"Label": self.severity, "Normalized": 70},
            "Title": f"CVE-2026-{self.n % 40000:05d} - openssl, libssl3",
            "Description": "A flaw was found in OpenSSL's handling of certificate policies.",
            "Remediation": {"Recommendation": {"Text": "Upgrade openssl to 3.0.13 or later."}},
            "Resources": [
                {
                    "Type": "AwsEc2Instance",
                    "Id": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-{self.n % 3000:017x}",
                    "Region": REGION,
                }
            ],
            "RecordState": "ARCHIVED" if closed and not self.suppressed else "ACTIVE",
            "Workflow": {"Status": workflow},
            "Vulnerabilities": [
                {
                    "Id": f"CVE-2026-{self.n % 40000:05d}",
                    "VulnerablePackages": [
                        {"Name": "openssl", "Version": "3.0.2", "FixedInVersion": "3.0.13"}
                    ],
                }
            ],
            **(
                {"Note": {"Text": "accepted: internal only", "UpdatedBy": "secops", "UpdatedAt": stamp}}
                if closed and self.suppressed
                else {}
            ),
        }


def year(count: int, seed: int = 20) -> list[Finding]:
    """Findings first observed across 365 days: most fixed (some late), a few suppressed,
    some still open; seven in ten reviewed within a few days."""
    rnd = random.Random(seed)
    found = []
    for n in range(count):
        roll, severity, deadline = rnd.random(), "LOW", 180
        for label, share, days in SEVERITIES:
            if roll < share:
                severity, deadline = label, days
                break
            roll -= share
        first = DAY0 + timedelta(seconds=rnd.uniform(0, 365 * 86400))
        fate = rnd.random()
        closed = first + timedelta(days=rnd.expovariate(1 / (deadline * 0.7))) if fate < 0.85 else None
        triaged = first + timedelta(hours=rnd.expovariate(1 / 30)) if rnd.random() < 0.7 else None
        found.append(Finding(n, severity, first, closed, 0.8 <= fate < 0.85, triaged))
    return found


def listed(findings: list[Finding], at: datetime) -> list[Finding]:
    """What GetFindings answers at `at`: first observed by then, open or closed within 90 days."""
    horizon = at - timedelta(days=securityhub.FINDINGS_LOOKBACK_DAYS)
    return [f for f in findings if f.first <= at and (f.closed is None or f.closed > horizon)]


def observations(findings: list[Finding], at: datetime) -> Collection:
    ctx = Context(
        session=None,  # type: ignore[arg-type]  # nothing is called: the answers are built here
        account=ACCOUNT,
        partition="aws",
        principal=f"arn:aws:sts::{ACCOUNT}:assumed-role/EvidraAudit/evidra",
        region=REGION,
        scope=SCOPE,
        observed_at=at,
    )
    listing = ApiCall("securityhub", "GetFindings", {"MaxResults": 100}, REGION)
    collection = Collection(scopes=[ScopeRecord("aws", SCOPE, at, at + timedelta(minutes=5))])
    for finding in listed(findings, at):
        answer = finding.asff(at)
        triaged, undated, history = None, None, []
        if finding.triaged is not None and finding.triaged <= at:
            if (at - finding.first).days >= securityhub.HISTORY_DAYS:
                undated = "reviewed (NOTIFIED) but first observed over 90 days ago: no history"
            else:
                triaged = finding.triaged.replace(microsecond=0)
                identifier = {"Id": answer["Id"], "ProductArn": PRODUCT}
                start = answer["FirstObservedAt"]
                history = [
                    ApiCall(
                        "securityhub",
                        "GetFindingHistory",
                        {"FindingIdentifier": identifier, "StartTime": start},
                        REGION,
                    )
                ]
        collection.observations.append(
            securityhub.vulnerability(ctx, answer, listing, triaged, undated, history)
        )
    return collection


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def collect_part(count: int) -> None:
    import boto3

    from evidra.collectors.aws.collector import AwsCollector
    from evidra.config.settings import AwsSettings
    from evidra.demo.emulator import start_moto

    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    server, endpoint = start_moto()
    hub = boto3.client("securityhub", region_name=REGION, endpoint_url=endpoint)
    hub.enable_security_hub()
    now = datetime.now(UTC)
    findings = [f for f in year(count * 4, seed=5) if f.closed is None][:count]  # open ones: all listed
    for f in findings:  # first observed within the 90 days the history keeps
        f.first = now - timedelta(days=(f.n % 80) + 1)
    started = time.perf_counter()
    answers = [f.asff(f.first) for f in findings]
    for i in range(0, len(answers), 100):
        hub.batch_import_findings(Findings=answers[i : i + 100])
    reviewed = [a for a, f in zip(answers, findings, strict=True) if f.triaged is not None]
    for i in range(0, len(reviewed), 100):
        hub.batch_update_findings(
            FindingIdentifiers=[{"Id": a["Id"], "ProductArn": PRODUCT} for a in reviewed[i : i + 100]],
            Workflow={"Status": "NOTIFIED"},
        )
    print(
        f"collect: seeded {len(answers)} findings ({len(reviewed)} reviewed) "
        f"in {time.perf_counter() - started:.1f} s"
    )

    os.environ["AWS_ENDPOINT_URL"] = endpoint
    requests: Counter[str] = Counter()

    def count_request(event_name: str, **_: object) -> None:
        requests[".".join(event_name.split(".")[1:3])] += 1  # before-send.<service>.<Operation>

    session = boto3.Session()
    session.events.register("before-send.securityhub", count_request)
    t0 = time.perf_counter()
    collection = AwsCollector(AwsSettings(regions=[REGION]), boto_session=session).collect()
    elapsed = time.perf_counter() - t0
    got = [o for o in collection.observations if o.type == "vuln.finding"]
    total = sum(requests.values())
    minimum = -(-len(got) // 100) + len(reviewed)
    print(
        f"collect: {len(got)} findings in {elapsed:.1f} s (whole AWS collector, one region), "
        f"{total} Security Hub requests = {total / max(len(got), 1):.3f} per finding; minimum {minimum} "
        f"= {minimum / max(len(got), 1):.3f} per finding ({total / max(minimum, 1):.3f}x); {dict(requests)}; "
        f"max RSS {max_rss_mib():.0f} MiB; load {load()}"
    )
    server.stop()


def store_part(count: int, every: int, build_package: bool, keep: str | None, again: bool = False) -> None:
    """Fill a year of runs into a fresh SQLite file (or `keep`: kept, and reused if it
    exists), then report on it. `again`: with a kept file, first store its last run once
    more, unchanged, on a copy (the store's budget: what a daily run costs that changes
    nothing)."""
    controls = [
        c for c in catalog().values() if c.id.startswith("vuln-") and "vuln.finding" in c.resource_types
    ]
    parameters = default_parameters()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(keep) if keep else Path(tmp) / "bench.db"
        filled = path.exists()
        if filled and again:
            store_again(path, Path(tmp) / "again.db", year(count), every, controls, parameters)
        with EvidenceStore.open(f"sqlite:///{path}") as store:
            if not filled:
                fill(store, year(count), every, controls, parameters)
            report_part(store, controls, parameters, Path(tmp), build_package)


def fill(
    store: EvidenceStore, findings: list[Finding], every: int, controls: list[Any], parameters: dict[str, Any]
) -> None:
    days = list(range(every - 1, 365, every))
    timings: list[tuple[float, float, float, int]] = []
    for index, day in enumerate([*days, days[-1]]):  # the last day twice: an unchanged run
        at = DAY0 + timedelta(days=day, hours=1)
        t0 = time.perf_counter()
        collection = observations(findings, at)
        t1 = time.perf_counter()
        results = evaluate(controls, collection, parameters, at)
        t2 = time.perf_counter()
        recorded = {"parameters": parameters, "controls": [c.id for c in controls]}
        run = RunRecord(
            str(uuid.uuid4()), at, at + timedelta(minutes=6), "bench", recorded, collection, results
        )
        store.record_run(run)
        t3 = time.perf_counter()
        timings.append((t1 - t0, t2 - t1, t3 - t2, len(collection.observations)))
        if index % 8 == 0 or index >= len(days) - 1:
            stats = store.stats()
            print(
                f"run {index + 1} (day {day + 1}): {len(collection.observations)} findings listed; "
                f"build {t1 - t0:.1f} s, evaluate {t2 - t1:.1f} s, store {t3 - t2:.1f} s; "
                f"database {stats['database_bytes'] / 2**20:.1f} MiB, "
                f"{stats['snapshots']} snapshots, {stats['observation_spans']} observation spans, "
                f"{stats['result_spans']} result spans; "
                f"max RSS {max_rss_mib():.0f} MiB; load {load()}",
                flush=True,
            )
    stores = [t[2] for t in timings[:-1]]
    print(
        f"store: median {statistics.median(stores):.1f} s, max {max(stores):.1f} s a run; "
        f"unchanged run: build {timings[-1][0]:.1f} s, evaluate {timings[-1][1]:.1f} s, "
        f"store {timings[-1][2]:.1f} s; {len(findings)} findings in the year"
    )


def store_again(
    kept: Path,
    copy: Path,
    findings: list[Finding],
    every: int,
    controls: list[Any],
    parameters: dict[str, Any],
) -> None:
    import shutil

    shutil.copyfile(kept, copy)
    day = list(range(every - 1, 365, every))[-1]
    at = DAY0 + timedelta(days=day, hours=1)
    collection = observations(findings, at)
    results = evaluate(controls, collection, parameters, at)
    recorded = {"parameters": parameters, "controls": [c.id for c in controls]}
    with EvidenceStore.open(f"sqlite:///{copy}") as store:
        before = store.stats()
        started = at + timedelta(hours=1)
        run = RunRecord(
            str(uuid.uuid4()), started, started + timedelta(minutes=6), "bench", recorded, collection, results
        )
        t0, c0 = time.perf_counter(), time.process_time()
        store.record_run(run)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        after = store.stats()
    grown = {name: after[name] - before[name] for name in ("snapshots", "observation_spans", "result_spans")}
    print(
        f"again: the last run stored once more, unchanged ({len(collection.observations)} findings, "
        f"{len(results)} results): {wall:.1f} s ({cpu:.1f} s CPU); grew {grown}; load {load()}",
        flush=True,
    )
    copy.unlink()


def report_part(
    store: EvidenceStore, controls: list[Any], parameters: dict[str, Any], tmp: Path, build_package: bool
) -> None:
    from evidra.reports import vulnerabilities
    from evidra.reports.period import Period, analyse

    period = Period.parse("2026-01-01..2026-12-31")
    t0 = time.perf_counter()
    report = analyse(store, period, controls, now=DAY0 + timedelta(days=366))
    t1 = time.perf_counter()
    print(
        f"report: analysis of {len(report.runs)} runs {t1 - t0:.1f} s; max RSS {max_rss_mib():.0f} MiB",
        flush=True,
    )
    sink: dict[str, bytes] = {}

    class Sink:
        def add(self, name: str, data: bytes) -> None:
            sink[name] = data

    vulnerabilities.write(Sink(), store, report, parameters)
    t2 = time.perf_counter()
    rows = sink["vulnerabilities/findings.csv"].count(b"\n") - 1
    print(
        f"report: vulnerabilities section ({rows} findings, "
        f"{len(sink['vulnerabilities/findings.csv']) / 2**20:.1f} MiB CSV) {t2 - t1:.1f} s; "
        f"max RSS {max_rss_mib():.0f} MiB; load {load()}",
        flush=True,
    )
    print(sink["vulnerabilities/summary.csv"].decode())
    if build_package:
        from evidra.reports import signing
        from evidra.reports.package import build

        key = tmp / "key.pem"
        signing.init_key(key)
        t0 = time.perf_counter()
        target = tmp / "package.zip"
        build(store, period, controls, signing.load_key(key), target, now=DAY0 + timedelta(days=366))
        size = target.stat().st_size / 2**20
        print(
            f"package: built in {time.perf_counter() - t0:.1f} s, {size:.1f} MiB; "
            f"max RSS {max_rss_mib():.0f} MiB (this process), "
            f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MiB (the proofs' process); "
            f"load {load()}",
            flush=True,
        )
        from evidra.reports.verify_package import verify_package

        t0 = time.perf_counter()
        verified = verify_package(target)
        outcome = "ok" if verified.ok else verified.problems[:3]
        print(f"package: verified in {time.perf_counter() - t0:.1f} s: {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--every-days", type=int, default=7, help="one run every N days of the year")
    parser.add_argument("--collect", type=int, default=5_000, help="findings read through moto")
    parser.add_argument("--collect-only", action="store_true")
    parser.add_argument("--store-only", action="store_true")
    parser.add_argument("--package", action="store_true", help="also build the whole signed package")
    parser.add_argument("--keep", help="SQLite file to fill and keep, or to report on if it exists")
    parser.add_argument(
        "--again",
        action="store_true",
        help="with an existing --keep file: store its last run again (on a copy)",
    )
    args = parser.parse_args()
    print(f"load average at start: {load()}")
    if not args.store_only:
        collect_part(args.collect)
    if not args.collect_only:
        store_part(args.findings, args.every_days, args.package, args.keep, args.again)


if __name__ == "__main__":
    main()
