"""The evidence store: sealed runs, content-addressed snapshots, a verifiable chain.

    store.py       the API (EvidenceStore, RunRecord, StoredRun), what callers use
    integrity.py   the seal: leaves, Merkle root, chain digest (pure, documented)
    verify.py      recomputing seals from the database (VerifyReport)
    records.py     a run's records as rows, in and out
    models.py      the tables
    database.py    URLs, engines, the write lock
    migrations/    Alembic, run by the store when it opens

Nothing here knows about clouds; it keeps what it is given.
"""
