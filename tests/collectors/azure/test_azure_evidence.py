"""What the Azure collector reads, area by area, through the real SDKs and the fake."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.emulators.azure_estate import DEVELOPMENT, PRODUCTION, TENANT_ID
from evidra.emulators.azure_server import FakeAzure
from evidra.model import Status
from evidra.resource_types import RESOURCE_TYPES
from tests.collectors.azure.azure_support import by_name, collect
from tests.fakes.verdicts import admin_ports_open

NOW = datetime.now(UTC)


def test_every_area_is_read_with_scopes_and_no_errors(azure: FakeAzure):
    collection = collect(azure)
    assert collection.errors == []
    assert Counter(o.type for o in collection.observations) == {
        "storage.bucket": 4,
        "network.endpoint": 4 + 2 + 2 + 2,  # storage accounts, SQL servers, App Service sites, gateways
        "database.instance": 2 + 2,  # master is left out; two flexible servers
        "compute.volume": 2,
        "crypto.key": 2,
        "logging.audit_trail": 2,
        "logging.log_group": 2,
        "network.firewall_rule": 3,
        "monitoring.threat_detection": 2,
        "identity.user": 6,
        "identity.signon_policy": 3,
        "monitoring.alerting": 2,
        "network.peering": 3,
        "backup.plan": 2,
        "backup.snapshot": 2,
        "compute.patch_state": 3,
        "vuln.finding": 2,  # Defender's: a fixed one and an exempted one (the SQL rule is left out)
    }
    scopes = {o.scope for o in collection.observations}
    assert scopes == {f"azure:{PRODUCTION}", f"azure:{DEVELOPMENT}", f"azure:{TENANT_ID}:directory"}
    assert all(o.principal.startswith("azure app ") for o in collection.observations)
    for observation in collection.observations:  # the shared vocabulary, nothing else
        assert set(observation.attributes) <= set(RESOURCE_TYPES[observation.type]), observation.id


def test_storage_accounts(azure: FakeAzure):
    buckets = by_name(collect(azure), "storage.bucket")
    logs, public = buckets["acmeprodlogs"].attributes, buckets["acmepublicassets"].attributes
    assert logs["encryption_algorithm"] == "Microsoft.Keyvault"
    assert logs["kms_key"] == "https://acme-kv-prod.vault.azure.net/keys/data-key"
    assert (logs["public"], logs["public_access_blocked"], logs["tls_only"]) == (False, True, True)
    assert (logs["versioning"], logs["access_logging"], logs["network_default_action"]) == (
        True,
        True,
        "Deny",
    )
    assert (public["public"], public["acl_grants_public"], public["tls_only"]) == (True, True, False)
    assert (public["versioning"], public["access_logging"]) == (False, False)
    assert buckets["acmepublicassets"].raw["blobContainers"][0]["publicAccess"] in ("Blob", "None")
    # Tagged data-classification=Internal, and a lifecycle rule deleting blobs after 400 days.
    assert (logs["classification"], logs["lifecycle_expiry"]) == ("Internal", True)
    assert (public["classification"], public["lifecycle_expiry"]) == (None, False)
    assert buckets["acmeprodlogs"].raw["managementPolicy"]["name"] == "DefaultManagementPolicy"
    endpoints = by_name(collect(azure), "network.endpoint")
    assert endpoints["acmepublicassets (storage account)"].attributes["min_tls_protocol"] == "TLSv1.0"
    assert endpoints["acmepublicassets (storage account)"].attributes["plaintext_allowed"] is True


def test_activity_log_alerts(azure: FakeAzure):
    alerting = {o.scope: o.attributes for o in collect(azure).observations if o.type == "monitoring.alerting"}
    production = alerting[f"azure:{PRODUCTION}"]
    # The switched-off alert on every operation counts for nothing.
    assert production == {
        "service": "activity_log_alerts",
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
    development = alerting[f"azure:{DEVELOPMENT}"]
    assert development["unalerted_security_events"] == [
        "iam_policy_change",
        "firewall_change",
        "audit_config_change",
    ]
    assert development["key_misuse_alerted"] is False


def test_vnet_peerings_and_the_environments_they_join(azure: FakeAzure):
    peerings = by_name(collect(azure), "network.peering")
    assert peerings["vnet-prod/to-vnet-shared"].attributes["environments"] == ["production", "production"]
    assert peerings["vnet-prod/to-vnet-shared"].attributes["crosses_environments"] is False
    # The development network is in another subscription: not visible from production's listing.
    assert peerings["vnet-prod/to-vnet-dev"].attributes["environments"] == ["production", "unknown"]
    assert peerings["vnet-dev/to-vnet-prod"].attributes["crosses_environments"] is True


def test_application_gateways_and_their_tls_policies(azure: FakeAzure):
    endpoints = by_name(collect(azure), "network.endpoint")
    shop = endpoints["agw-shop (application gateway)"].attributes
    assert shop == {
        "kind": "application_gateway",
        "protocol": "HTTPS",
        "tls_policy": "AppGwSslPolicy20220101S",
        "min_tls_protocol": "TLSv1.2",
        "cipher_algorithms": ["AES", "SHA-256", "SHA-384"],
        "plaintext_allowed": False,  # its HTTP listener only redirects
        "region": "westeurope",
    }
    legacy = endpoints["agw-legacy (application gateway)"].attributes
    assert (legacy["min_tls_protocol"], legacy["plaintext_allowed"]) == ("TLSv1.0", True)
    assert {"3DES", "SHA-1"} <= set(legacy["cipher_algorithms"])


def test_recovery_services_vaults(azure: FakeAzure):
    collection = collect(azure)
    plans = by_name(collection, "backup.plan")
    assert plans["rsv-prod"].attributes == {"copies_to_other_region": True, "region": "westeurope"}
    assert plans["rsv-dev"].attributes["copies_to_other_region"] is False  # LocallyRedundant
    stores = by_name(collection, "backup.snapshot")
    assert stores["rsv-prod"].attributes["kms_key"] == "https://acme-kv-prod.vault.azure.net/keys/backup-key"
    assert (stores["rsv-dev"].attributes["encrypted"], stores["rsv-dev"].attributes["kms_key"]) == (
        True,
        None,
    )


def test_sql_databases_and_servers(azure: FakeAzure):
    collection = collect(azure)
    databases = by_name(collection, "database.instance")
    assert set(databases) == {
        "acme-sql-prod/orders",
        "acme-sql-legacy/legacy",
        "acme-pg-prod",
        "acme-mysql-dev",
    }
    orders, legacy = (
        databases["acme-sql-prod/orders"].attributes,
        databases["acme-sql-legacy/legacy"].attributes,
    )
    assert (orders["encrypted"], orders["publicly_accessible"], orders["auditing_enabled"]) == (
        True,
        False,
        True,
    )
    assert orders["backup_retention_days"] == 14
    assert (orders["classification"], legacy["classification"]) == ("Confidential", None)  # the server's tag
    assert (legacy["encrypted"], legacy["publicly_accessible"], legacy["auditing_enabled"]) == (
        False,
        True,
        False,
    )
    endpoints = by_name(collection, "network.endpoint")
    assert endpoints["acme-sql-legacy (SQL server)"].attributes["min_tls_protocol"] == "TLSv1.0"
    assert endpoints["acme-sql-prod (SQL server)"].attributes["min_tls_protocol"] == "TLSv1.2"


def test_disks_keys_and_network(azure: FakeAzure):
    collection = collect(azure)
    disks = by_name(collection, "compute.volume")
    assert disks["data-archive"].attributes["kms_key"].endswith("/diskEncryptionSets/des-prod")
    assert disks["vm-web-01_OsDisk"].attributes | {"kms_key": None} == disks["vm-web-01_OsDisk"].attributes
    assert all(d.attributes["encrypted"] for d in disks.values())
    keys = by_name(collection, "crypto.key")
    assert keys["acme-kv-prod/data-key"].attributes["rotation_period_days"] == 90
    assert keys["acme-kv-prod/legacy-key"].attributes["rotation_enabled"] is False
    assert keys["acme-kv-prod/data-key"].attributes["vault_purge_protection"] is True
    assert keys["acme-kv-prod/data-key"].attributes["expires"].endswith("Z")
    rules = by_name(collection, "network.firewall_rule")
    assert rules["nsg-web"].attributes["internet_ports"] == ["443"]
    assert admin_ports_open(rules["nsg-web"]) is False
    assert rules["nsg-admin"].attributes["internet_ports"] == ["22", "3389"]
    assert rules["nsg-dev"].attributes["internet_ports"] == ["all"]
    assert admin_ports_open(rules["nsg-dev"]) is True


def test_logging_defender_and_app_service(azure: FakeAzure):
    collection = collect(azure)
    trails = {o.scope: o.attributes for o in collection.observations if o.type == "logging.audit_trail"}
    assert trails[f"azure:{PRODUCTION}"]["logging"] is True
    assert trails[f"azure:{DEVELOPMENT}"]["logging"] is False
    workspaces = by_name(collection, "logging.log_group")
    assert workspaces["acme-logs"].attributes["retention_days"] == 365
    assert workspaces["acme-dev-logs"].attributes["retention_days"] == 30
    defender = {
        o.scope: o.attributes for o in collection.observations if o.type == "monitoring.threat_detection"
    }
    assert defender[f"azure:{PRODUCTION}"]["enabled"] is True
    assert "CloudPosture" not in defender[f"azure:{PRODUCTION}"]["features"]
    assert (
        defender[f"azure:{DEVELOPMENT}"] | {"enabled": False, "features": []}
        == defender[f"azure:{DEVELOPMENT}"]
    )
    sites = by_name(collection, "network.endpoint")
    assert sites["acme-legacy-portal (App Service)"].attributes["plaintext_allowed"] is True
    assert sites["acme-api (App Service)"].attributes["min_tls_protocol"] == "TLSv1.2"


def test_directory_users_mfa_roles_and_guests(azure: FakeAzure):
    users = by_name(collect(azure), "identity.user")
    alice, carol, dave = (users[f"{n}@acme.onmicrosoft.com"].attributes for n in ("alice", "carol", "dave"))
    assert (alice["privileged"], alice["admin_roles"]) == (True, ["Global Administrator"])
    assert alice["mfa_methods"] == ["hardware_token", "push"]
    assert (carol["mfa_enabled"], carol["privileged"]) == (False, True)
    assert carol["admin_roles"] == ["Global Administrator (eligible)"]  # PIM: one activation away
    bob = users["bob@acme.onmicrosoft.com"].attributes
    assert (bob["privileged"], bob["admin_roles"]) == (True, ["User Administrator (via sg-identity-admins)"])
    assert (dave["mfa_methods"], dave["admin_roles"]) == (["sms"], ["Privileged Role Administrator"])
    assert "unreadable" not in dave
    erin = users["erin@acme.onmicrosoft.com"].attributes
    assert (erin["disabled"], erin["console_access"]) == (True, False)
    guest = users["partner_contoso.com#EXT#@acme.onmicrosoft.com"]
    assert guest.attributes["user_type"] == "Guest"
    assert "mobilePhone" not in guest.raw["user"]  # profile data is not evidence


def test_conditional_access_coverage(azure: FakeAzure):
    rules = by_name(collect(azure), "identity.signon_policy")
    # The all-users policy is report-only: it enforces nothing.
    assert rules["MFA for all users"].attributes["mfa_required"] is False
    assert rules["MFA for administrators"].attributes["mfa_required"] is True
    assert rules["MFA for administrators"].attributes["enforced_by"] == ["Require MFA for administrators"]
    assert "Block legacy authentication" not in rules


def test_listings_follow_next_links_across_pages(monkeypatch):
    from evidra.emulators.azure_estate import demo_tenant
    from tests.collectors.azure.conftest import trust

    with FakeAzure(demo_tenant(), page_size=1, graph_page_size=2) as paged, FakeAzure(demo_tenant()) as whole:
        trust(monkeypatch, paged)  # both fakes share one certificate
        one_page, many_pages = collect(whole), collect(paged)
        skipped = [q for role, _, path, q in paged.requests if "$skiptoken" in q]
        assert any(path.endswith("/storageAccounts") for _, _, path, q in paged.requests if "$skiptoken" in q)
        assert paged.count("graph", r"^/v1\.0/users$") == 3  # six users, two a page
    assert len(skipped) >= 5
    assert many_pages.errors == []
    assert sorted(o.evidence_hash for o in many_pages.observations) == sorted(
        o.evidence_hash for o in one_page.observations
    )


@pytest.mark.parametrize("licence", ["free", "P1"])
def test_a_tenant_without_premium_keeps_its_users_and_names_the_licence(monkeypatch, licence):
    from evidra.emulators.azure_estate import demo_tenant
    from tests.collectors.azure.conftest import trust

    tenant = demo_tenant()
    tenant.licence = licence
    with FakeAzure(tenant) as fake:
        trust(monkeypatch, fake)
        collection = collect(fake)
    assert collection.errors == []
    users = by_name(collection, "identity.user")
    assert len(users) == 6  # every user still observed
    carol = users["carol@acme.onmicrosoft.com"].attributes
    assert carol["privileged"] is False  # no P2, no PIM: nobody can be eligible
    bob = users["bob@acme.onmicrosoft.com"].attributes
    assert bob["admin_roles"] == ["User Administrator (via sg-identity-admins)"]
    if licence == "P1":
        assert "unreadable" not in bob and bob["mfa_enabled"] is True
        return
    assert set(bob["unreadable"]) == {"mfa_enabled", "mfa_methods", "last_login", "last_activity"}
    assert "Microsoft Entra ID P1 or P2 licence" in bob["unreadable"]["mfa_enabled"]
    assert bob["mfa_enabled"] is None and bob["last_login"] is None
    results = evaluate(select(["identity-user-mfa", "inactive-users"]), collection, default_parameters(), NOW)
    assert {r.status for r in results} == {Status.ERROR}
    assert all("needs a Microsoft Entra ID P1 or P2 licence" in r.reason for r in results)


def test_a_file_storage_account_is_read_without_its_missing_blob_service(azure: FakeAzure):
    collection = collect(azure)
    assert collection.errors == []
    # Azure refuses blob reads on it: the collector must not have asked.
    assert azure.count("arm", r"acmeprodshares/blobServices") == 0
    shares = by_name(collection, "storage.bucket")["acmeprodshares"]
    assert shares.attributes["encrypted"] is True and shares.attributes["public"] is False
    results = evaluate(select(["bucket-versioning"]), collection, default_parameters(), NOW)
    (verdict,) = [r for r in results if r.resource.id == shares.id]
    assert verdict.status is Status.NOT_APPLICABLE and "no blob service" in verdict.reason
    results = evaluate(select(["storage-automated-disposal"]), collection, default_parameters(), NOW)
    (verdict,) = [r for r in results if r.resource.id == shares.id]
    assert verdict.status is Status.NOT_APPLICABLE


def test_the_fake_refuses_blob_reads_on_a_file_storage_account(azure: FakeAzure):
    from evidra.emulators.azure_estate import PRODUCTION

    # The emulator answers as Azure does, so a collector that asked would fail.
    status, body = azure.arm_answer(
        f"/subscriptions/{PRODUCTION}/resourceGroups/rg-prod/providers/Microsoft.Storage/storageAccounts"
        "/acmeprodshares/blobServices/default",
        {},
    )
    assert (status, body["error"]["code"]) == (400, "FeatureNotSupportedForAccount")


def _with_all_users_policy(monkeypatch, change, **settings):
    """Collect a tenant whose "Require MFA for all users" policy is enforced, changed by `change`."""
    from evidra.emulators.azure_estate import demo_tenant
    from tests.collectors.azure.conftest import trust

    tenant = demo_tenant()
    policy = tenant.graph["/identity/conditionalAccess/policies"][1]
    policy["state"] = "enabled"
    change(policy)
    with FakeAzure(tenant) as fake:
        trust(monkeypatch, fake)
        return by_name(collect(fake, **settings), "identity.signon_policy")["MFA for all users"]


def test_an_all_users_policy_excluding_more_than_the_break_glass_does_not_prove_mfa(monkeypatch):
    from evidra.emulators.azure_estate import PEOPLE

    alice = PEOPLE[0][0]  # the policy excludes her (conditions.users.excludeUsers)
    counted = _with_all_users_policy(monkeypatch, lambda p: None, break_glass=[alice])
    assert counted.attributes["mfa_required"] is True
    assert counted.attributes["enforced_by"] == ["Require MFA for all users"]
    not_counted = _with_all_users_policy(monkeypatch, lambda p: None)
    assert not_counted.attributes["mfa_required"] is False
    assert "excludes 1 user(s), group(s) or role(s) beyond" in not_counted.attributes["policy"]


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ({"clientAppTypes": ["browser"]}, "client app types browser"),
        ({"locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}}, "some locations"),
        ({"platforms": {"includePlatforms": ["android", "iOS"], "excludePlatforms": []}}, "device platforms"),
    ],
)
def test_an_all_users_policy_narrowed_by_conditions_does_not_prove_mfa(monkeypatch, condition, words):
    from evidra.emulators.azure_estate import PEOPLE

    rule = _with_all_users_policy(
        monkeypatch, lambda p: p["conditions"].update(condition), break_glass=[PEOPLE[0][0]]
    )
    assert rule.attributes["mfa_required"] is False
    assert words in rule.attributes["policy"]


def test_flexible_servers_refuse_plaintext_unless_turned_off(azure: FakeAzure):
    databases = by_name(collect(azure), "database.instance")
    assert databases["acme-pg-prod"].attributes["tls_required"] is True
    assert databases["acme-mysql-dev"].attributes["tls_required"] is False  # require_secure_transport off
    assert databases["acme-sql-prod/orders"].attributes["tls_required"] is True  # Azure SQL: always
