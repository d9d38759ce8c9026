"""Local stand-ins for the clouds, speaking their real wire protocols.

They serve `evidra demo` (no cloud account needed) and the test suite alike, so the
demo shows exactly what the tests prove: the real SDK clients, over HTTPS with a
certificate trusted the way a user behind TLS inspection trusts theirs, against
realistic JSON with real pagination, rate limits and injectable faults. AWS uses
moto's server (see `evidra.demo.emulator`); Okta, Azure and GCP have fakes here.
"""
