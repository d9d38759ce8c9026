"""Each evidence family of the demo organisation, read by the real google-cloud-asset
client from the fake Cloud Asset API, and the service-account sign-in that preceded it."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.emulators.gcp_estate import ORG
from evidra.emulators.gcp_server import GOOGLE_TOKEN_URI, FakeGcp
from evidra.model import Status, utcnow
from evidra.resource_types import RESOURCE_TYPES
from tests.collectors.gcp.gcp_support import by_name, collect
from tests.fakes.verdicts import admin_ports_open

PROD_KEY = "projects/acme-prod/locations/europe/keyRings/storage/cryptoKeys/prod-data"


@pytest.fixture
def demo(gcp: FakeGcp, tmp_path: Path):
    collection = collect(gcp, tmp_path / "key.json")
    assert collection.errors == []
    return collection


def test_every_attribute_is_a_normalized_one(demo) -> None:
    types = {o.type for o in demo.observations}
    assert types == {
        "storage.bucket",
        "database.instance",
        "compute.volume",
        "network.firewall_rule",
        "crypto.key",
        "identity.credential",
        "identity.role_binding",
        "logging.audit_trail",
        "logging.log_group",
        "monitoring.threat_detection",
        "monitoring.alerting",
        "compute.patch_state",
        "vuln.finding",
    }
    for observation in demo.observations:
        assert set(observation.attributes) <= set(RESOURCE_TYPES[observation.type]), observation.id
        assert observation.scope == f"gcp:organizations/{ORG}"
        assert observation.principal.startswith("gcp service account evidra-audit@acme-security")
        # Cloud Asset, OS Config for patch state, Security Command Center for findings.
        services = {c.service for c in observation.calls}
        assert observation.calls and services <= {"cloudasset", "osconfig", "securitycenter"}
        assert ("securitycenter" if observation.type == "vuln.finding" else "cloudasset") in services


def test_the_key_was_exchanged_at_its_token_uri(gcp: FakeGcp, demo) -> None:
    # google-auth posted a JWT signed with the key; the fake checked the signature
    # against the registered public key before issuing the access token.
    assert gcp.grants and gcp.self_signed == [] and gcp.refused == 0
    claims = gcp.grants[0]
    assert claims["iss"] == "evidra-audit@acme-security.iam.gserviceaccount.com"
    assert claims["aud"] == GOOGLE_TOKEN_URI  # what google-auth puts there, whatever token_uri says
    assert "https://www.googleapis.com/auth/cloud-platform" in claims["scope"]


def test_a_key_naming_googles_token_endpoint_signs_its_own_jwt(gcp: FakeGcp, tmp_path: Path) -> None:
    key = gcp.write_key(tmp_path / "google-key.json", token_uri=GOOGLE_TOKEN_URI)
    collection = collect(gcp, key)
    assert collection.errors == []
    assert gcp.grants == [] and gcp.self_signed and gcp.refused == 0


def test_buckets(demo) -> None:
    buckets = by_name(demo, "storage.bucket")
    records = buckets["acme-prod-records"].attributes
    assert records["kms_key"] == PROD_KEY and records["encryption_algorithm"] == "cloud-kms"
    assert records["public_access_blocked"] and records["uniform_access"] and not records["public"]
    assert records["retention_days"] == 365 and records["retention_locked"] and records["versioning"]
    # acme-prod turns on Data Access audit logs for Cloud Storage: access is logged.
    assert records["access_logging"] is True
    # Labelled data-classification=confidential, deleted by a lifecycle rule after seven years.
    assert (records["classification"], records["lifecycle_expiry"]) == ("Confidential", True)
    exports = buckets["acme-data-exports"].attributes
    assert exports["public"] and exports["policy_grants_public"]
    assert exports["public_grants"] == ["roles/storage.objectViewer allUsers"]
    assert exports["kms_key"] is None and exports["encrypted"] and exports["access_logging"] is False
    assert (exports["classification"], exports["lifecycle_expiry"]) == (None, False)
    scratch = buckets["acme-sandbox-scratch"].attributes
    assert not scratch["uniform_access"] and scratch["public_access_blocked"] and not scratch["public"]
    assert buckets["acme-prod-records"].id == "//storage.googleapis.com/acme-prod-records"


def test_sql_instances(demo) -> None:
    instances = by_name(demo, "database.instance")
    orders = instances["orders-db"].attributes
    assert orders == {
        "engine": "POSTGRES_15",
        "encrypted": True,
        "kms_key": PROD_KEY,
        "publicly_accessible": False,
        "backup_retention_days": 30,
        "tls_required": True,
        "classification": "Confidential",  # settings.userLabels data_classification
        "region": "europe-west1",
    }
    assert instances["analytics-db"].attributes["classification"] is None
    analytics = instances["analytics-db"].attributes
    assert analytics["publicly_accessible"] and analytics["backup_retention_days"] == 0
    assert analytics["tls_required"] is False and analytics["kms_key"] is None
    assert "serverCaCert" not in str(instances["orders-db"].raw)


def test_disks_and_firewall_rules(demo) -> None:
    disks = by_name(demo, "compute.volume")
    assert disks["web-1-boot"].attributes == {
        "encrypted": True,
        "kms_key": PROD_KEY,
        "attached": True,
        "region": "europe-west1-b",
    }
    assert disks["scratch-disk"].attributes["kms_key"] is None
    firewall = by_name(demo, "network.firewall_rule")
    rules = {name: o.attributes for name, o in firewall.items()}
    assert rules["default-allow-ssh"]["internet_ports"] == ["22"]
    assert admin_ports_open(firewall["default-allow-ssh"]) is True
    assert rules["allow-https"]["internet_ports"] == ["443"]
    assert admin_ports_open(firewall["allow-https"]) is False
    assert rules["allow-internal"]["open_to_internet"] is False  # 10.128.0.0/9 only
    assert rules["default-allow-rdp"]["open_to_internet"] is False  # disabled


def test_crypto_keys(demo) -> None:
    keys = {name: o.attributes for name, o in by_name(demo, "crypto.key").items()}
    assert keys["prod-data"]["rotation_period_days"] == 90 and keys["prod-data"]["rotation_enabled"]
    assert keys["prod-data"]["next_rotation"] == "2026-12-01T00:00:00Z"
    assert keys["prod-logs"]["rotation_period_days"] == 400
    assert keys["exports-key"]["rotation_enabled"] is False and keys["exports-key"]["next_rotation"] is None
    assert all(k["managed_by"] == "customer" and k["enabled"] for k in keys.values())
    # A signing key cannot rotate automatically: not applicable, not failed.
    signing = keys["release-signing"]
    assert "inapplicable" not in keys["exports-key"]
    assert "ASYMMETRIC_SIGN key cannot rotate automatically" in signing["inapplicable"]["rotation_enabled"]
    (result,) = evaluate(
        select(["key-rotation"]), _only(demo, "release-signing"), default_parameters(), utcnow()
    )
    assert result.status is Status.NOT_APPLICABLE


def _only(collection, name: str):
    from evidra.model import Collection

    return Collection(observations=[o for o in collection.observations if o.name == name])


def test_service_account_keys(demo) -> None:
    keys = {o.attributes["owner"]: o.attributes for o in demo.observations if o.type == "identity.credential"}
    # The system-managed key is Google's to rotate: not observed.
    assert set(keys) == {
        "deploy@acme-prod.iam.gserviceaccount.com",
        "ci@acme-sandbox.iam.gserviceaccount.com",
    }
    ci = keys["ci@acme-sandbox.iam.gserviceaccount.com"]
    assert ci["kind"] == "service_account_key" and ci["active"] and ci["owner_interactive"] is False
    assert ci["created"] < keys["deploy@acme-prod.iam.gserviceaccount.com"]["created"]


def test_role_bindings(demo) -> None:
    bindings = {
        (o.attributes["principal"], o.attributes["role"]): o.attributes
        for o in demo.observations
        if o.type == "identity.role_binding"
    }
    olivia = bindings[("user:olivia@acme.com", "roles/owner")]
    assert olivia["basic_role"] and olivia["principal_kind"] == "user"
    assert olivia["resource"] == f"//cloudresourcemanager.googleapis.com/organizations/{ORG}"
    assert bindings[("user:dan@acme.com", "roles/editor")]["basic_role"]
    assert bindings[("user:auditor@acme.com", "roles/viewer")]["basic_role"] is False
    ci = bindings[("serviceAccount:ci@acme-sandbox.iam.gserviceaccount.com", "roles/editor")]
    assert ci["principal_kind"] == "service_account"


def test_audit_trails_and_log_buckets(demo) -> None:
    trails = by_name(demo, "logging.audit_trail")
    # _Required of each project, and the organisation's aggregated sink; _Default is not a trail.
    assert set(trails) == {
        "_Required (acme-prod)",
        "_Required (acme-data)",
        "_Required (acme-sandbox)",
        f"org-audit (organizations/{ORG})",
    }
    org = trails[f"org-audit (organizations/{ORG})"].attributes
    assert org["covers_children"] and org["log_file_validation"] and org["encrypted_with_customer_key"]
    assert org["kms_key"].endswith("/cryptoKeys/prod-logs")
    assert org["audit_log_types"] == ["ADMIN_READ"] and org["data_access_logging"] is False
    required = trails["_Required (acme-prod)"].attributes
    assert required["log_file_validation"] is True and required["encrypted_with_customer_key"] is False
    buckets = {
        name.rsplit("/", 1)[-1] + "@" + name.split("/")[1]: o.attributes
        for name, o in by_name(demo, "logging.log_group").items()
    }
    assert buckets["_Default@acme-data"]["retention_days"] == 30
    assert (
        buckets["_Required@acme-data"]["retention_days"] == 400 and buckets["_Required@acme-data"]["locked"]
    )
    assert buckets["audit-archive@acme-prod"]["encrypted_with_customer_key"] is True


def test_threat_detection_per_project(demo) -> None:
    detection = {name: o.attributes for name, o in by_name(demo, "monitoring.threat_detection").items()}
    assert set(detection) == {
        "Security Command Center (acme-prod)",
        "Security Command Center (acme-data)",
        "Security Command Center (acme-sandbox)",
    }
    # Inherited from the organisation ...
    assert detection["Security Command Center (acme-prod)"]["enabled"] is True
    assert "event-threat-detection" in detection["Security Command Center (acme-prod)"]["features"]
    # ... and switched off in the sandbox project.
    assert detection["Security Command Center (acme-sandbox)"]["enabled"] is False


def test_evidence_is_stable_from_run_to_run(gcp: FakeGcp, tmp_path: Path, demo) -> None:
    again = collect(gcp, tmp_path / "key.json")
    assert {o.id: o.evidence_hash for o in again.observations} == {
        o.id: o.evidence_hash for o in demo.observations
    }


def test_security_alerting_from_log_metrics_and_alert_policies(demo) -> None:
    alerting = {name: o.attributes for name, o in by_name(demo, "monitoring.alerting").items()}
    assert alerting["Security alerts (acme-prod)"] == {
        "service": "cloud-monitoring",
        "alerted_events": [
            "audit_config_change",
            "firewall_change",
            "iam_policy_change",
            "key_disable_or_deletion",
        ],
        "unalerted_security_events": [],
        "key_misuse_alerted": True,
        "region": "global",
    }
    # acme-data: the firewall alert is switched off, the audit-config one notifies nobody.
    data = alerting["Security alerts (acme-data)"]
    assert (data["alerted_events"], data["unalerted_security_events"]) == (
        ["iam_policy_change"],
        ["audit_config_change", "firewall_change"],
    )
    assert alerting["Security alerts (acme-sandbox)"]["unalerted_security_events"] == [
        "iam_policy_change",
        "audit_config_change",
        "firewall_change",
    ]


def test_an_enforced_public_access_prevention_policy_blocks_inheriting_buckets(demo) -> None:
    # acme-sandbox-scratch leaves prevention `inherited`; its folder enforces the constraint.
    buckets = {name: o.attributes for name, o in by_name(demo, "storage.bucket").items()}
    assert buckets["acme-sandbox-scratch"]["public_access_blocked"] is True
    assert buckets["acme-data-exports"]["public_access_blocked"] is False  # no policy above it
    assert "unreadable" not in buckets["acme-data-exports"]


def test_a_project_scope_names_the_inherited_settings_it_cannot_read(gcp: FakeGcp, tmp_path: Path) -> None:
    # Read as one project, the organisation's and folder's policies are above the scope.
    collection = collect(gcp, tmp_path / "key.json", organization=None, projects=["acme-sandbox"])
    assert collection.errors == []
    scratch = by_name(collection, "storage.bucket")["acme-sandbox-scratch"].attributes
    assert "folders/300000000002" in scratch["unreadable"]["public_access_blocked"]
    assert "providers.gcp.organization" in scratch["unreadable"]["access_logging"]
    results = evaluate(select(["bucket-public-access-block"]), collection, default_parameters(), utcnow())
    assert {r.status for r in results} == {Status.ERROR}
