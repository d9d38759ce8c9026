"""The evidence store: sealed runs, content-addressed snapshots, a verifiable chain.

    store.py       the API (EvidenceStore, RunRecord, StoredRun), what callers use
    integrity.py   the seal: leaves, Merkle root, chain digest (pure, documented)
    verify.py      recomputing seals from the database (VerifyReport)
    records.py     a run's records as plain dicts, in and out
    spans.py       observations and results as validity intervals (first..last run)
    snapshots.py   snapshot bodies: compressed, deltas against an older version
    pointintime.py a resource or the whole estate as of a time; diffs
    retention.py   pruning old runs, recorded, the chain kept verifiable
    models.py      the tables
    database.py    URLs, engines, the write lock
    migrations/    Alembic, run by the store when it opens

Nothing here knows about clouds; it keeps what it is given.
"""
