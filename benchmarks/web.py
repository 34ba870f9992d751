"""The web app: what a browser downloads, and how soon the snipe list can be used.

1. Size. The built app (`make web`, web/dist): every JavaScript file gzipped (level 9), and the
   first screen's share: the entry script and the chunks index.html preloads with it (screens
   other than the snipe list load on demand and are not counted). Target: at most 250 kB
   gzipped for the first screen.
2. Time to an interactive snipe list, in headless Chromium (Debian's, as the browser tests use)
   against a local stack started here (the same pieces as `make run`): the demo user, linked to
   the simulator's eBay, with 10 snipes. The user signs in once; each of the N runs is then a new
   browser context with that session and an empty cache (a returning user's cold load), timed
   from navigation start (performance.now()) to the moment all 10 rows are shown with their Edit
   button enabled. Median and p99 (nearest rank) of N runs.

    python benchmarks/web.py [--runs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from playwright.async_api import async_playwright

from benchmarks._common import print_table, summary, write_result
from sniper.devstack.demo.driver import DemoDriver, Endpoints
from sniper.devstack.local.stack import DEMO_PASSWORD, DEMO_USERNAME, LocalStack, StackOptions
from sniper.domain.iso8601 import iso_from_ms

DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
FIRST_SCREEN_TARGET_KB = 250.0
SNIPES = 10
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]  # fmt: skip


# ---------------------------------------------------------------- size
def first_screen_files(index_html: str) -> list[str]:
    """The scripts a browser fetches before the first screen: the module entry and what
    index.html preloads with it (paths relative to dist)."""
    scripts = re.findall(r'<script[^>]+type="module"[^>]+src="/([^"]+)"', index_html)
    preloads = re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="/([^"]+)"', index_html)
    return list(dict.fromkeys([*scripts, *preloads]))


def gzipped_kb(path: Path) -> float:
    return len(gzip.compress(path.read_bytes(), compresslevel=9)) / 1000


def sizes(dist: Path) -> dict[str, Any]:
    files = sorted(dist.rglob("*.js"))
    first = set(first_screen_files((dist / "index.html").read_text(encoding="utf-8")))
    rows = [
        {
            "file": path.relative_to(dist).as_posix(),
            "raw_kb": path.stat().st_size / 1000,
            "gzip_kb": gzipped_kb(path),
            "first_screen": path.relative_to(dist).as_posix() in first,
        }
        for path in files
    ]
    return {
        "files": rows,
        "total_gzip_kb": sum(r["gzip_kb"] for r in rows),
        "first_screen_gzip_kb": sum(r["gzip_kb"] for r in rows if r["first_screen"]),
        "css_gzip_kb": sum(gzipped_kb(p) for p in dist.rglob("*.css")),
    }


# ---------------------------------------------------------------- time to interactive
async def prepare(stack: LocalStack) -> None:
    """The demo user, linked to eBay, with SNIPES snipes on auctions an hour or more away."""
    async with aiohttp.ClientSession() as http:
        driver = DemoDriver(http, Endpoints.from_described(stack.describe()))
        await driver.sign_in()
        await driver.create_ebay_user("bench_buyer")
        await driver.link_ebay("bench_buyer")
        now_ns = time.time_ns()
        for n in range(SNIPES):
            auction = await driver.create_auction(
                f"Benchmark lot {n + 1}", "10.00", now_ns + (3600 + 60 * n) * 1_000_000_000
            )
            await driver.create_snipe(auction["itemId"], "25.00", "USD")


_READY = """(count) => {
  const rows = document.querySelectorAll('.snipe-row');
  const editable = [...rows].filter((row) => {
    const edit = [...row.querySelectorAll('button')].find((b) => b.textContent.startsWith('Edit'));
    return edit && !edit.disabled;
  });
  return editable.length === count ? performance.now() : false;
}"""


async def time_to_interactive(stack: LocalStack, runs: int, chromium: str) -> list[float]:
    assert stack.web is not None and stack.web.url is not None
    url = stack.web.url
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = await browser.new_context(base_url=url)
        page = await context.new_page()
        await page.goto("/sign-in")
        await page.get_by_label("Username or email").fill(DEMO_USERNAME)
        await page.get_by_label("Password").fill(DEMO_PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.locator(".snipe-row").nth(SNIPES - 1).wait_for(timeout=30_000)
        session = await context.storage_state()
        await context.close()
        timings: list[float] = []
        for _ in range(runs + 1):  # the first run warms the stack's function containers
            context = await browser.new_context(base_url=url, storage_state=session)
            page = await context.new_page()
            await page.goto("/snipes", wait_until="commit")
            ready = await page.wait_for_function(_READY, arg=SNIPES, timeout=30_000, polling=10)
            timings.append(float(await ready.json_value()))
            await context.close()
        await browser.close()
    return timings[1:]


async def main_async(runs: int) -> int:
    if not (DIST / "index.html").is_file():
        print("web/dist is not built: run `make web` first", file=sys.stderr)
        return 2
    chromium = os.environ.get("SNIPER_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        print("no Chromium: `make browser` installs Debian's", file=sys.stderr)
        return 2
    size = sizes(DIST)
    print_table(
        "Built JavaScript (web/dist), gzip -9",
        ["file", "raw kB", "gzip kB", "first screen"],
        [
            [r["file"], r["raw_kb"], r["gzip_kb"], "yes" if r["first_screen"] else ""]
            for r in size["files"]
        ],
    )
    print(
        f"\nfirst screen: {size['first_screen_gzip_kb']:.1f} kB gzipped "
        f"(target ≤ {FIRST_SCREEN_TARGET_KB:.0f} kB); all JavaScript: "
        f"{size['total_gzip_kb']:.1f} kB; CSS: {size['css_gzip_kb']:.1f} kB"
    )

    options = StackOptions(api_port=0, stack_name="sniper-bench-web")
    async with LocalStack(options) as stack:
        await prepare(stack)
        timings = await time_to_interactive(stack, runs, chromium)
    stats = summary(timings)
    print_table(
        f"Time to an interactive snipe list ({SNIPES} snipes), cold context, ms",
        ["runs", "p50", "p99", "min", "max"],
        [[stats["n"], stats["p50"], stats["p99"], stats["min"], stats["max"]]],
    )
    write_result(
        "web",
        {
            "size": size,
            "first_screen_target_kb": FIRST_SCREEN_TARGET_KB,
            "time_to_interactive_ms": {**stats, "samples": timings, "snipes": SNIPES},
            "started": iso_from_ms(time.time_ns() // 1_000_000),
        },
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args.runs))


if __name__ == "__main__":
    raise SystemExit(main())
