"""Benchmark: the people view on a large organisation, run by hand.

    .venv/bin/python bench/bench_people.py --people 5000 --accounts 50000

Makes a roster file of `--people` people (5% leavers, 10% contractors) and `--accounts`
identity.user observations spread over Okta, Entra ID, Google Workspace, AWS IAM and
GitHub as their collectors make them (GitHub logins matched through the alias map, a few
percent orphans and service identities), reads the roster with the people collector and
times the match (`derive.augment`: every account against the roster, leavers'
deprovisioning, training) and the evaluation of every control. Prints wall times, peak
Python heap (tracemalloc) and the counts. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evidra.collectors.base import observation
from evidra.collectors.people.collector import PeopleCollector
from evidra.config.settings import PeopleSettings
from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.model import Collection, ScopeRecord
from evidra.people.derive import augment

PROVIDERS = ("okta", "azure", "google_workspace", "aws", "github")


def roster(path: Path, people: int, today: datetime) -> list[str]:
    rng = random.Random(7)
    lines = [
        "email,name,employment_type,department,manager_email,start_date,end_date,background_check_at,training_completed_at"
    ]
    emails = []
    for i in range(people):
        email = f"person{i:05d}@acme.example"
        emails.append(email)
        start = (today - timedelta(days=rng.randrange(10, 2000))).date()
        end = min(start + timedelta(days=rng.randrange(1, 300)), today.date()) if i % 20 == 0 else ""
        kind = "contractor" if i % 10 == 3 else "employee"
        check = start - timedelta(days=10)
        training = (today - timedelta(days=rng.randrange(1, 500))).date()
        lines.append(f"{email},Person {i},{kind},Dept{i % 40},,{start},{end},{check},{training}")
    path.write_text("\n".join(lines) + "\n")
    return emails


def accounts(emails: list[str], count: int, now: datetime) -> tuple[Collection, dict[str, str]]:
    rng = random.Random(11)
    collection = Collection()
    aliases: dict[str, str] = {}
    for i in range(count):
        provider = PROVIDERS[i % len(PROVIDERS)]
        owner = emails[rng.randrange(len(emails))] if i % 33 else f"orphan{i}@acme.example"
        name = owner
        if provider == "github":
            name = f"gh-{i}"
            aliases[f"github:{name}"] = owner
        elif provider == "aws" and i % 2:
            name = f"svc-deploy-{i}"
        attributes = {
            "name": name,
            "email": owner if provider in ("okta", "azure", "google_workspace") else None,
            "kind": "human",
            "disabled": i % 7 == 0,
            "privileged": i % 50 == 0,
            "admin_roles": ["SUPER_ADMIN"] if i % 50 == 0 else [],
            "created": (now - timedelta(days=rng.randrange(1, 1500))).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "last_activity": (now - timedelta(days=rng.randrange(0, 200))).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        collection.observations.append(
            observation(
                provider,
                f"{provider}:bench",
                "bench",
                now,
                "identity.user",
                f"{provider}/users/{i}",
                name=name,
                attributes=attributes,
                raw={},
                calls=[],
            )
        )
    for provider in PROVIDERS:
        collection.scopes.append(ScopeRecord(provider, f"{provider}:bench", now, now))
    return collection, aliases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--accounts", type=int, default=50000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    folder = Path(tempfile.mkdtemp(prefix="evidra-bench-people-"))
    emails = roster(folder / "roster.csv", args.people, now)
    collection, aliases = accounts(emails, args.accounts, now)
    settings = PeopleSettings(
        roster=str(folder / "roster.csv"), aliases=aliases, service_identities=["svc-*"]
    )
    # Timed without tracemalloc (it slows every allocation two to three times); the
    # heap peak is measured in a second, untimed pass of the same view below.
    cpu_began = time.process_time()
    began = time.perf_counter()
    people = PeopleCollector(settings).collect()
    assert not people.errors, people.errors
    collection.extend(people)
    read = time.perf_counter()
    view = augment(collection, settings, default_parameters(), now)
    matched = time.perf_counter()
    cpu_matched = time.process_time()
    # The match alone: every account's owner, by email, alias or service pattern.
    from evidra.people.match import Matcher

    accounts_seen = [
        (o.provider, o.attributes.get("name"), o.attributes.get("email"))
        for o in collection.observations
        if o.type == "identity.user"
    ]
    cpu_match = time.process_time()
    matcher = Matcher(emails, aliases, ["svc-*"])
    owners = sum(1 for p, n, e in accounts_seen if matcher.match(p, n, e).owner)
    match_cpu = time.process_time() - cpu_match
    results = evaluate(select(None), view, default_parameters(), now)
    evaluated = time.perf_counter()
    # The heap peak, in a second untimed pass over a fresh copy (augment extends its input).
    again, _ = accounts(emails, args.accounts, now)
    again.extend(PeopleCollector(settings).collect())
    tracemalloc.start()
    augment(again, settings, default_parameters(), now)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts: dict[str, int] = {}
    for item in view.observations:
        counts[item.type] = counts.get(item.type, 0) + 1
    orphans = sum(1 for r in results if r.control == "orphaned-accounts" and r.status.value == "fail")
    print(
        f"roster read: {read - began:.2f} s; match and people view: {matched - read:.2f} s; "
        f"evaluate every control: {evaluated - matched:.2f} s; "
        f"peak heap of the people view (untimed pass) {peak / 2**20:.0f} MiB; peak RSS {rss:.0f} MiB"
    )
    print(f"CPU time of roster read and people view (this process only): {cpu_matched - cpu_began:.2f} s")
    print(f"match alone: {len(accounts_seen)} accounts, {owners} owned, {match_cpu:.2f} s CPU")
    print(f"observations: {counts}; results: {len(results)}; orphaned accounts failing: {orphans}")


if __name__ == "__main__":
    main()
