"""The web app in a real Chromium, against the session's local stack (tests/fixtures/stack.py).

One browser for the session, a fresh context (empty storage) per test. Chromium is Debian's
(`make browser` installs it; SNIPER_CHROMIUM names another), driven by Python's Playwright, and
resolves no host but loopback: an item picture on eBay's servers fails at once, as offline.
Screenshots go to test-artifacts/web/ (kept with the run, not committed).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright, expect

from sniper.devstack.local.stack import DEMO_PASSWORD, DEMO_USERNAME, LocalStack

PROJECT_ROOT = Path(__file__).resolve().parents[3]
WEB_DIST = PROJECT_ROOT / "web" / "dist"
AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "web"
SIM_BUYER = "sim_buyer"  # whom the simulator's consent page signs in when not told otherwise
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
# A bounded wait for what the app shows after a round trip through the stack.
SHOWN_MS = 15_000

expect.set_options(timeout=SHOWN_MS)


def chromium_path() -> str:
    path = os.environ.get("SNIPER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            f"no Chromium at {path}: `make browser` installs Debian's (as root), or set "
            "SNIPER_CHROMIUM to a Chromium binary",
            pytrace=False,
        )
    return path


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as driver:
        yield driver


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web`", pytrace=False)
    browser = await playwright.chromium.launch(
        executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    await browser.close()


@dataclass
class WebStack:
    """The stack as a browser test sees it: the app's URL and the simulator's admin API."""

    stack: LocalStack
    url: str
    sim_url: str
    http: aiohttp.ClientSession

    async def sim(self, method: str, path: str, body: Any = None) -> Any:
        async with self.http.request(method, self.sim_url + path, json=body) as response:
            text = await response.text()
            assert response.status < 300, f"{method} {path}: {response.status} {text}"
            return json.loads(text) if text else None

    async def auction(
        self,
        title: str,
        *,
        price: str = "10.00",
        ends_in: float = 3600,
        marketplace: str = "EBAY_US",
        color: str = "#0b5394",
    ) -> dict[str, Any]:
        created: dict[str, Any] = await self.sim(
            "POST",
            "/sim/auctions",
            {
                "title": title,
                "startPrice": price,
                "endsInSeconds": ends_in,
                "marketplaceId": marketplace,
                "imageUrl": picture(color),
            },
        )
        return created

    async def ebay_buyer(self, watching: list[str]) -> None:
        """The eBay account the consent page links, watching these items."""
        await self.sim("POST", "/sim/users", {"username": SIM_BUYER})
        await self.sim("PUT", f"/sim/watchlist/{quote(SIM_BUYER)}", {"itemIds": watching})

    async def api_as(self, username: str, password: str) -> aiohttp.ClientSession:
        """An API client signed in as this user (to check what the server holds)."""
        tokens = await self.stack.sign_in(username, password)
        client = aiohttp.ClientSession(
            base_url=self.stack.api_url or "",
            headers={"Authorization": f"Bearer {tokens.id_token}"},
        )
        self._clients.append(client)
        return client

    def __post_init__(self) -> None:
        self._clients: list[aiohttp.ClientSession] = []

    async def close(self) -> None:
        for client in self._clients:
            await client.close()


def picture(color: str) -> str:
    """An item picture the browser can show offline: a small SVG as a data: URL."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'>"
        f"<rect width='64' height='64' fill='{color}'/>"
        "<circle cx='32' cy='32' r='18' fill='#fff' opacity='.85'/>"
        f"<circle cx='32' cy='32' r='9' fill='{color}'/></svg>"
    )
    return "data:image/svg+xml," + quote(svg)


@pytest_asyncio.fixture(loop_scope="session")
async def web(clean_stack: LocalStack) -> AsyncIterator[WebStack]:
    assert clean_stack.web is not None and clean_stack.web.url is not None
    assert clean_stack.ebay is not None and clean_stack.functions is not None
    # reset() retires the idle containers only: one still answering the previous test's last
    # browser request came back afterwards with the reset simulator's forgotten app token.
    await clean_stack.functions.retire_containers()
    async with aiohttp.ClientSession() as http:
        stack = WebStack(clean_stack, clean_stack.web.url, clean_stack.ebay.url, http)
        yield stack
        await stack.close()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser, web: WebStack) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(
        base_url=web.url, viewport={"width": 1280, "height": 860}, locale="en-GB"
    )
    yield context
    await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Shown with a failure (pytest captures stdout): what the app said in its console.
    page.on("console", lambda message: print(f"console.{message.type}: {message.text}"))
    yield page
    assert not errors, f"uncaught errors in the page: {errors}"


async def sign_in(page: Page, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> None:
    await page.goto("/sign-in")
    await page.get_by_label("Username or email").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Snipes", exact=True)).to_be_visible()


async def link_ebay(page: Page) -> None:
    """Through the simulator's consent page and back to the app's callback."""
    await page.get_by_role("button", name="Link eBay").click()
    await expect(page.get_by_text(f"eBay: {SIM_BUYER}")).to_be_visible()


# ---------------------------------------------------------------- accessibility and keyboard
_FOCUSABLE = """() => {
  const selector = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]),'
    + ' select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return (box.width > 0 || box.height > 0) && style.visibility !== 'hidden';
  };
  const all = [...document.querySelectorAll(selector)].filter(shown);
  all.forEach((el, i) => el.setAttribute('data-kbd', String(i)));
  return all.map((el) => el.outerHTML.slice(0, 120));
}"""


async def sign_in_and_link_ebay(page: Page) -> None:
    await sign_in(page)
    await link_ebay(page)


async def add_snipe(page: Page, item: str, maximum: str) -> None:
    """A snipe added through the Add form, as a user types it: item number or link, maximum."""
    await page.goto("/add")
    await page.get_by_label("Item number or eBay listing link").fill(item)
    await page.get_by_label(re.compile("^Your maximum bid")).fill(maximum)
    await page.get_by_role("button", name="Save the snipe").click()


async def keyboard_reaches_everything(page: Page) -> None:
    """Every link, button and field on the screen is reached by Tab alone."""
    controls = await page.evaluate(_FOCUSABLE)
    # Start from the top of the document (Chromium would go on from the last clicked link).
    await page.evaluate(
        """() => {
          document.body.tabIndex = -1;
          document.body.focus();
          document.body.removeAttribute('tabindex');
        }"""
    )
    reached: set[int] = set()
    # A date field takes a Tab per part (day, month, year): allow a few stops per control.
    for _ in range(3 * len(controls) + 3):
        if len(reached) == len(controls):
            break
        await page.keyboard.press("Tab")
        index = await page.evaluate(
            "() => document.activeElement?.getAttribute('data-kbd') ?? null"
        )
        if index is not None:
            reached.add(int(index))
    missed = [html for i, html in enumerate(controls) if i not in reached]
    assert not missed, f"not reachable with Tab: {missed}"


async def audit(page: Page, name: str, *, keyboard: bool = True) -> None:
    """axe-core finds no serious or critical violation; Tab reaches every control; a screenshot
    of the screen is kept with the run."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `make web` (pnpm install)", pytrace=False)
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations = await page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
             .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))"""
    )
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: accessibility violations {json.dumps(serious, indent=1)}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    if keyboard:
        await keyboard_reaches_everything(page)


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}-{int(time.time()) % 100000}"
