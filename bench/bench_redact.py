"""Micro-benchmark: `evidra.redact` over a large GCP organisation's raw answers, run by hand.

    .venv/bin/python bench/bench_redact.py --projects 200 --assets 20000

Builds the synthetic organisation the GCP benchmark serves (src/evidra/emulators/gcp_estate.py)
and redacts every asset's Cloud Asset Inventory JSON once, as the collector does for each
observation's raw answer; prints the best of `--repeat` passes, each from cold (the
remembered answers for short strings forgotten first, as in a new collection). Redaction is about half
of bench_gcp.py's wall time, so this isolates the part a change to the redaction rules
moves. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import time

from evidra import redact as redaction
from evidra.emulators.gcp_estate import synthetic_org
from evidra.redact import REDACTED, redact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    assets = synthetic_org(args.projects, args.assets).assets
    size = sum(len(json.dumps(asset)) for asset in assets)
    best = float("inf")
    redacted = 0
    started = time.perf_counter()
    redact("warm up")  # builds the rules once (imports detect-secrets' plugins)
    print(f"rules built in {time.perf_counter() - started:.2f} s")
    for _ in range(args.repeat):
        for cached in ("_redact_short", "_is_secret_name"):  # absent before they existed
            getattr(getattr(redaction, cached, None), "cache_clear", lambda: None)()
        started = time.perf_counter()
        out = [redact(asset) for asset in assets]
        best = min(best, time.perf_counter() - started)
        redacted = sum(json.dumps(o).count(REDACTED) for o in out)
    print(
        f"{len(assets)} assets, {size / 2**20:.1f} MiB of JSON: best of {args.repeat} "
        f"{best:.2f} s ({best / len(assets) * 1e6:.0f} us an asset), {redacted} value(s) redacted"
    )


if __name__ == "__main__":
    main()
