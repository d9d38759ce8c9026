"""Fuzzing the parsers of provider answers with hypothesis (issue 15, item 6): the
credential report, IAM/S3 policy documents, paged JSON (Okta's Link headers and
`_links`), and the redaction every raw answer passes through. Whatever the provider
sends, each returns its documented shape or raises MalformedAnswer (an `error` result
for that scope), never anything else. Bounded: a few hundred examples, no deadline."""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidra.collectors.aws import policy_doc
from evidra.collectors.aws.iam import parse_credential_report
from evidra.collectors.okta.api import _body_next, next_link
from evidra.model import MalformedAnswer
from evidra.redact import REDACTED, redact

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = "user,arn,user_creation_time,password_enabled,mfa_active,access_key_1_active"
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
IAM_NAME = st.text(alphabet=string.ascii_letters + string.digits + "+=,.@_-", min_size=1, max_size=24)


@FUZZ
@given(st.text(alphabet=string.printable + "é\x00\u2028", max_size=400))
def test_any_text_is_a_report_or_a_malformed_answer(text: str) -> None:
    for content in (text, f"{HEADER}\n{text}", text.encode("utf-8", "replace")):
        try:
            rows = parse_credential_report(content)
        except MalformedAnswer:
            continue
        assert all(isinstance(k, str) and isinstance(v, str) for row in rows for k, v in row.items())


@FUZZ
@given(st.lists(IAM_NAME, min_size=1, max_size=6, unique=True))
def test_user_names_with_commas_are_read_back_exactly(names: list[str]) -> None:
    lines = [HEADER] + [
        f"{n},arn:aws:iam::123456789012:user/{n},2026-01-01T00:00:00+00:00,true,false,false" for n in names
    ]
    rows = parse_credential_report("\n".join(lines) + "\n")
    assert [row["user"] for row in rows] == names
    assert all(row["arn"].endswith(f"/{row['user']}") and row["mfa_active"] == "false" for row in rows)


@FUZZ
@given(JSON)
def test_any_policy_document_is_judged_without_raising(document: Any) -> None:
    for form in (document, json.dumps(document), {"Statement": document}, {"Statement": [document]}):
        assert isinstance(policy_doc.allows_everything(form), bool)
        assert isinstance(policy_doc.grants_public(form), bool)
        assert isinstance(policy_doc.denies_insecure_transport(form), bool)


@FUZZ
@given(st.lists(st.text(max_size=60), max_size=3), JSON)
def test_paging_links_are_a_path_or_none(links: list[str], body: Any) -> None:
    found = next_link({"Link": ", ".join(links)})
    assert found is None or (isinstance(found, str) and "://" not in found)
    for page in (body, {"_links": body}, {"_links": {"next": body}}, {"_links": {"next": {"href": body}}}):
        if isinstance(page, dict):
            following = _body_next(page)
            assert following is None or (isinstance(following, str) and "://" not in following)


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


@FUZZ
@given(JSON)
def test_redaction_takes_any_answer_and_a_secret_pair_keeps_no_text(document: Any) -> None:
    out = redact({"answer": document, "Tags": [{"Key": "password", "Value": document}]})
    assert set(_texts(out["Tags"][0]["Value"])) <= {REDACTED, ""}
    json.dumps(out)  # still JSON
