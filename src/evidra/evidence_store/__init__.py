"""The evidence store: sealed runs, content-addressed snapshots, a verifiable chain.

    store.py       EvidenceStore: opens the database, composes the parts below
                   (store.chain, store.records ...), keeps the older plain-dict API
  the parts, one concept each, returning frozen dataclasses:
    chain.py          Chain: sealing runs (RunRecord -> StoredRun), reading, verify
    run_records.py    RunRecords: one run's StoredResult, StoredObservation,
                      StoredScopeRecord, StoredScopeError; the collectors' read cursor
    period_spans.py   PeriodSpans: a range of runs as StoredResultSpan and
                      StoredObservationSpan (first..last run), scope rows with seqs
    snapshots.py      Snapshots: bodies by hash, checked (and how they are compressed)
    manual.py         ManualEvidence: files added by hand (ManualItem)
    staging.py        Staging: scale-out scopes reported before their run is sealed
    trust_records.py  TrustRecords: timestamp tokens (TimestampRecord) and anchors
    retention.py      Retention: pruning, recorded; the store's events (StoreEvent)
    pointintime.py    PointInTime: a resource or the estate as of a time; ResourceDiff
    statistics.py     Statistics: row counts and sizes (StoreStats)
  underneath:
    integrity.py   the seal: leaves, Merkle root, chain digest (pure, documented)
    verify.py      recomputing seals from the database (VerifyReport)
    records.py     a run's records as plain dicts, in and out
    spans.py       observations and results as validity intervals (first..last run)
    models.py      the tables
    database.py    URLs, engines, the write lock, Part (what every part shares)
    migrations/    Alembic, run by the store when it opens

Nothing here knows about clouds; it keeps what it is given.
"""
