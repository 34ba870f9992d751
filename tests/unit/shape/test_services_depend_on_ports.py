"""The use cases reach the outside only through what they are handed: at run time a service
imports no adapter (no repository, AWS client, eBay transport or Postmark), only the ports in
sniper/services/ports, the domain, and eBay's value types and errors. That is what lets the unit
suite run every service on fakes."""

from __future__ import annotations

from tests.support.imports import imports_of, modules

USE_CASES = ("sniper.services", "sniper.notifications.notifier", "sniper.api.idempotency")
ADAPTERS = (
    "sniper.storage",
    "sniper.scheduling",
    "sniper.dispatch",
    "sniper.vault",
    "sniper.app_secrets",
    "sniper.aws_clients",
    "sniper.bootstrap",
    "sniper.ebay.http",
    "sniper.ebay.client",
    "sniper.notifications.postmark",
    "aiobotocore",
    "botocore",
    "aiohttp",
    "postmarker",
)
# An adapter that lives among the services (eBay's Notification API getPublicKey, over the eBay
# transport): the account-deletion service is handed it through the PublicKeySource port.
NOT_A_USE_CASE = ("sniper.services.ebay_public_keys",)


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_use_cases_import_no_adapter_at_run_time() -> None:
    use_cases = {
        name: path
        for name, path in modules().items()
        if _within(name, USE_CASES) and not _within(name, NOT_A_USE_CASE)
    }
    assert "sniper.services.snipes" in use_cases and "sniper.notifications.notifier" in use_cases
    reaching = [
        f"{found.module}:{found.line} imports {found.target}"
        for name, path in use_cases.items()
        for found in imports_of(name, path)
        if not found.typing_only and _within(found.target, ADAPTERS)
    ]
    assert reaching == []
