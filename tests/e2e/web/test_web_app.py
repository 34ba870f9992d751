"""The product in a browser: sign in, link eBay, snipe from the watch list and by listing URL,
follow a snipe to WON without a reload, edit, cancel, errors at the field, users kept apart,
an expired session. Each screen visited is audited with axe-core and walked with the keyboard
(conftest.audit)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from sniper.devstack.local.stack import DEMO_PASSWORD, DEMO_USERNAME
from tests.e2e.web.conftest import (
    WebStack,
    add_snipe,
    audit,
    sign_in,
    sign_in_and_link_ebay,
    unique,
)
from tests.fixtures.stack import TEST_PASSWORD


async def _bids(web: WebStack) -> list[dict[str, Any]]:
    """The demo user's snipes, as the API holds them."""
    client = await web.api_as(DEMO_USERNAME, DEMO_PASSWORD)
    async with client.get("/bids", params={"limit": "100"}) as response:
        assert response.status == 200
        return (await response.json())["items"]


async def test_sign_in_link_ebay_and_snipe_two_watched_auctions_as_a_group(
    web: WebStack, page: Page
) -> None:
    soon = await web.auction("Summicron 50mm f/2 lens", price="12.00", ends_in=3600)
    close_after = await web.auction(
        "Summilux 35mm f/1.4 lens", price="15.00", ends_in=3610, color="#7a4b00"
    )
    await web.ebay_buyer([soon["itemId"], close_after["itemId"]])

    await page.goto("/sign-in")
    await expect(
        page.get_by_text("This is the local stack. Sign in as the demo user")
    ).to_be_visible()
    await audit(page, "sign-in")
    await sign_in_and_link_ebay(page)
    await audit(page, "snipes-empty")

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Watch list").click()
    rows = page.locator(".watch-row")
    await expect(rows).to_have_count(2)
    for row, maximum in ((rows.nth(0), "30.00"), (rows.nth(1), "28.50")):
        await row.get_by_role("checkbox").check()
        await row.get_by_label(re.compile("^Maximum bid for")).fill(maximum)
    await page.get_by_label("Group", exact=True).select_option("new")
    await page.get_by_label("Group name").fill("lenses")
    # Ten seconds apart: the first outcome cannot be known before the second must fire.
    await expect(page.get_by_text("Too close together")).to_be_visible()
    await expect(page.get_by_text("closes 10 s after “Summicron 50mm f/2 lens”")).to_be_visible()
    await audit(page, "watch-list")
    await page.get_by_role("button", name="Snipe selected (2)").click()
    await expect(page.get_by_text("Sniped.")).to_have_count(2)

    snipes = await _bids(web)
    assert {(s["title"], s["maxBid"]["value"], s["group"]["groupId"]) for s in snipes} == {
        ("Summicron 50mm f/2 lens", "30.00", "lenses"),
        ("Summilux 35mm f/1.4 lens", "28.50", "lenses"),
    }
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Snipes").click()
    listed = page.locator(".snipe-row")
    await expect(listed).to_have_count(2)
    await expect(listed.first).to_contain_text("group lenses (win 1)")
    await expect(listed.first).to_contain_text("scheduled")
    await expect(listed.first.get_by_text("Changes close at")).to_be_visible()
    await audit(page, "snipes")


async def test_add_by_listing_url_shows_the_api_message_for_a_too_low_maximum(
    web: WebStack, page: Page
) -> None:
    auction = await web.auction(
        "Rolleiflex 2.8F", price="100.00", ends_in=7200, marketplace="EBAY_GB", color="#333"
    )
    await web.ebay_buyer([])
    await sign_in_and_link_ebay(page)
    await page.get_by_role("link", name="Add a snipe").first.click()
    url = f"https://www.ebay.co.uk/itm/Rolleiflex-2-8F-camera/{auction['legacyItemId']}?hash=item1&_trksid=p1"
    await page.get_by_label("Item number or eBay listing link").fill(url)
    preview = page.locator(".preview")
    await expect(preview.get_by_role("heading", name="Rolleiflex 2.8F")).to_be_visible()
    await expect(preview).to_contain_text("£100.00")  # current price
    await expect(preview).to_contain_text("GBP")
    maximum = preview.get_by_label(re.compile("^Your maximum bid"))
    await maximum.fill("50.00")
    await expect(preview.get_by_text("At least", exact=False)).to_be_visible()  # said before saving
    await audit(page, "add-snipe")
    await page.get_by_role("button", name="Save the snipe").click()
    # The API's own message, at the field.
    error = preview.locator(".field-error")
    await expect(error).to_have_text("the maximum bid must be at least 100.00 GBP")
    await expect(maximum).to_have_attribute("aria-invalid", "true")
    assert await _bids(web) == []

    await maximum.fill("140.00")
    await page.get_by_role("button", name="Save the snipe").click()
    await expect(page).to_have_url(re.compile(r"/snipes$"))
    await expect(page.locator(".snipe-row")).to_contain_text("Rolleiflex 2.8F")
    (snipe,) = await _bids(web)
    assert snipe["maxBid"] == {"value": "140.00", "currency": "GBP"}
    assert snipe["legacyItemId"] == auction["legacyItemId"]


async def test_edit_a_maximum_with_the_keyboard_then_cancel(web: WebStack, page: Page) -> None:
    auction = await web.auction("Leica M6 body", price="20.00", ends_in=5400)
    await web.ebay_buyer([auction["itemId"]])
    await sign_in_and_link_ebay(page)
    await add_snipe(page, auction["legacyItemId"], "31.00")
    row = page.locator(".snipe-row", has_text="Leica M6 body")
    await expect(row).to_be_visible()

    # Keyboard only: focus Edit, open it, type the new maximum, submit with Enter.
    await row.get_by_role("button", name=re.compile("^Edit")).focus()
    await page.keyboard.press("Enter")
    field = row.get_by_label(re.compile("^Maximum bid"))
    await expect(field).to_be_visible()
    await field.focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("45.50")
    await page.keyboard.press("Enter")
    await expect(row.locator(".snipe-facts")).to_contain_text("$45.50")
    (snipe,) = await _bids(web)
    assert snipe["maxBid"]["value"] == "45.50"

    await row.get_by_role("button", name=re.compile("^Cancel snipe")).click()
    await row.get_by_role("button", name="Yes, cancel it").click()
    await expect(row.locator(".badge")).to_have_text("cancelled")
    (snipe,) = await _bids(web)
    assert snipe["status"] == "CANCELLED"
    await page.get_by_role("link", name="Ended").click()
    await expect(page.locator(".snipe-row", has_text="Leica M6 body")).to_contain_text(
        "cancelled: cancelled by the user"
    )
    await audit(page, "snipes-ended")


@pytest.mark.slow
@pytest.mark.timeout(150)
async def test_a_short_auction_is_followed_to_won_without_a_reload(
    web: WebStack, page: Page
) -> None:
    auction = await web.auction("Hasselblad 500C/M", price="10.00", ends_in=40, color="#4a6d2f")
    await web.ebay_buyer([auction["itemId"]])
    await sign_in_and_link_ebay(page)
    await add_snipe(page, auction["legacyItemId"], "25.00")
    row = page.locator(".snipe-row", has_text="Hasselblad 500C/M")
    await expect(row).to_be_visible()
    # Record every status the row shows, and mark the document: a reload would lose the mark.
    await page.evaluate(
        """() => {
          window.__sameDocument = true;
          window.__statuses = [];
          const note = () => {
            const badge = document.querySelector('.snipe-row .badge');
            const text = badge && badge.textContent;
            if (text && window.__statuses[window.__statuses.length - 1] !== text) {
              window.__statuses.push(text);
            }
          };
          note();
          new MutationObserver(note).observe(document.body,
            { subtree: true, childList: true, characterData: true });
        }"""
    )
    await audit(page, "snipes-live", keyboard=False)
    await expect(row.locator(".badge")).to_have_text("won", timeout=75_000)
    assert await page.evaluate("() => window.__sameDocument === true")
    seen = await page.evaluate("() => window.__statuses")
    assert "armed" in seen and "bid placed" in seen, seen
    assert seen.index("armed") < seen.index("bid placed") < seen.index("won"), seen
    await expect(row.locator(".snipe-facts")).to_contain_text("$10.00")  # final price, alone

    await row.get_by_role("link", name=re.compile("^Details")).click()
    timeline = page.get_by_role("list", name="Timeline")
    await expect(timeline.locator("[data-step=outcome]")).to_contain_text("Outcome: won")
    sent = timeline.locator("[data-step=sent]")
    await expect(sent).to_contain_text(re.compile(r"Sent at T−\d\.\d{3} s"))
    await expect(timeline.locator("[data-step=landed]")).to_contain_text(
        re.compile(r"Landed at T−")
    )
    await expect(timeline.locator("[data-step=price]")).to_contain_text("Final price: $10.00")
    await expect(timeline.locator("[data-step=email]")).to_contain_text("Email to demo@example.com")
    await audit(page, "snipe-detail")

    await page.get_by_role("link", name="History").click()
    await expect(page.locator(".history-row")).to_contain_text("Hasselblad 500C/M")
    await audit(page, "history")
    await page.get_by_role("link", name="My stats").click()
    won = page.locator(".stats div", has_text="Won")
    await expect(won.locator("dd")).to_have_text("1")
    await audit(page, "stats")


async def test_a_second_user_sees_none_of_the_first_users_snipes(
    web: WebStack, page: Page, browser: Browser
) -> None:
    auction = await web.auction("Nikon F2 body", price="40.00", ends_in=3600)
    await web.ebay_buyer([auction["itemId"]])
    await sign_in_and_link_ebay(page)
    await add_snipe(page, auction["legacyItemId"], "55.00")
    await expect(page.locator(".snipe-row", has_text="Nikon F2 body")).to_be_visible()
    (snipe,) = await _bids(web)

    other = unique("web-other")
    await web.stack.create_user(other, TEST_PASSWORD, email=f"{other}@example.com", name="Other")
    context = await browser.new_context(base_url=web.url)
    try:
        second = await context.new_page()
        await sign_in(second, other, TEST_PASSWORD)
        await expect(second.get_by_text("No upcoming snipes.")).to_be_visible()
        await second.get_by_role("link", name="Ended").click()
        await expect(second.get_by_text("No ended snipes yet.")).to_be_visible()
        await second.goto(f"/snipes/{snipe['bidId']}")
        alert = second.get_by_role("alert")
        await expect(alert).to_contain_text("This snipe could not be loaded.")
        await expect(alert).to_contain_text("HTTP 404")
        await expect(second.get_by_text("Nikon F2 body")).to_have_count(0)
    finally:
        await context.close()


async def test_an_expired_session_goes_to_sign_in_and_comes_back(web: WebStack, page: Page) -> None:
    await sign_in(page)
    await page.goto("/history?outcome=WON")
    await expect(page.get_by_role("heading", name="History")).to_be_visible()
    # The session ends: tokens expired and a refresh token the user pool refuses.
    await page.evaluate(_EXPIRE_IN_PAGE)
    # The next call the app makes finds the session over.
    await page.get_by_label("Outcome").select_option("LOST")
    await page.get_by_role("button", name="Filter").click()
    await expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    await expect(page.get_by_text("Your session has ended.")).to_be_visible()
    await page.get_by_label("Username or email").fill(DEMO_USERNAME)
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/history\?outcome=LOST$"))
    await expect(page.get_by_role("heading", name="History")).to_be_visible()
    await expect(page.get_by_label("Outcome")).to_have_value("LOST")


# Rewrites the stored Cognito tokens in the page: exp an hour ago, the refresh token refused.
_EXPIRE_IN_PAGE = """() => {
  const b64 = (text) => btoa(text).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const unb64 = (part) => atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const expired = (token) => {
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(unb64(payload));
    claims.exp = Math.floor(Date.now() / 1000) - 3600;
    return [header, b64(JSON.stringify(claims)), signature].join('.');
  };
  let changed = 0;
  for (const key of Object.keys(localStorage)) {
    if (!key.startsWith('CognitoIdentityServiceProvider.')) continue;
    if (key.endsWith('.idToken') || key.endsWith('.accessToken')) {
      localStorage.setItem(key, expired(localStorage.getItem(key)));
      changed++;
    } else if (key.endsWith('.refreshToken')) {
      localStorage.setItem(key, 'revoked-refresh-token');
      changed++;
    }
  }
  if (changed < 3) throw new Error('no stored session to expire: ' + Object.keys(localStorage));
}"""


async def test_settings_and_the_phone_layout(web: WebStack, page: Page) -> None:
    await sign_in(page)
    await page.get_by_role("link", name="Settings").click()
    offset = page.get_by_label(re.compile("^Default offset"))
    await expect(offset).to_have_value("3")
    await offset.fill("4.5")
    await page.get_by_label("When I lose").uncheck()
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_text("Saved.")).to_be_visible()
    client = await web.api_as(DEMO_USERNAME, DEMO_PASSWORD)
    async with client.get("/users/profile") as response:
        preferences = (await response.json())["preferences"]
    assert preferences["defaultOffsetSeconds"] == 4.5
    assert preferences["notifications"]["lost"] is False
    await audit(page, "settings")

    # Offline is said as such, and nothing is sent.
    await page.context.set_offline(True)
    await expect(page.get_by_role("status").filter(has_text="You are offline.")).to_be_visible()
    await offset.fill("5")
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_role("alert")).to_contain_text("You are offline. Nothing was sent")
    await page.context.set_offline(False)
    await expect(page.get_by_role("status").filter(has_text="You are offline.")).to_have_count(0)
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_text("Saved.")).to_be_visible()

    await page.set_viewport_size({"width": 390, "height": 844})
    await page.get_by_role("link", name="Snipes", exact=True).click()
    await expect(page.get_by_role("heading", name="Snipes", exact=True)).to_be_visible()
    await audit(page, "snipes-phone")
    # Nothing sticks out sideways on a phone, and every section is in reach without scrolling.
    assert await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    links = await page.get_by_role("navigation", name="Main").get_by_role("link").all()
    assert len(links) == 6
    for link in links:
        box = await link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box


async def test_sign_up_confirm_and_sign_in_as_a_new_user(web: WebStack, page: Page) -> None:
    username = unique("web-new")
    await page.goto("/sign-in")
    await page.get_by_role("link", name="Create an account").click()
    await expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    await audit(page, "sign-up")
    await page.get_by_label("Username", exact=True).fill(username)
    await page.get_by_label("Email", exact=True).fill(f"{username}@example.com")
    await page.get_by_label("Name", exact=True).fill("New Sniper")
    await page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    # The pool emails a code; the local pool takes any code (deployed, Cognito checks it).
    await expect(page.get_by_role("heading", name="Confirm your account")).to_be_visible()
    await expect(page.get_by_label("Username", exact=True)).to_have_value(username)
    await audit(page, "confirm")
    await page.get_by_label("Code").fill("123456")
    await page.get_by_role("button", name="Confirm").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await sign_in(page, username, TEST_PASSWORD)
    await expect(page.get_by_text("No upcoming snipes.")).to_be_visible()
    await expect(page.get_by_text(username)).to_be_visible()

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_role("link", name="Forgot password?").click()
    await expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    await audit(page, "forgot-password")


async def test_a_server_error_is_a_banner_with_the_correlation_id(
    web: WebStack, page: Page
) -> None:
    auction = await web.auction("Contax G2 body", price="80.00", ends_in=3600)
    await web.ebay_buyer([])
    await sign_in_and_link_ebay(page)
    # eBay's Browse API keeps failing: the API answers 503 with a correlation id to quote.
    await web.sim("POST", "/sim/faults", {"operation": "getItem", "status": 503, "count": 10})
    await page.get_by_role("link", name="Add a snipe").first.click()
    await page.get_by_label("Item number or eBay listing link").fill(auction["legacyItemId"])
    alert = page.locator(".preview").get_by_role("alert")
    await expect(alert).to_contain_text("a service we depend on is unavailable; try again shortly")
    await expect(alert).to_contain_text("HTTP 503")
    await expect(alert.locator(".reference code")).to_have_text(re.compile(r"^\S{8,}$"))
    await web.sim("DELETE", "/sim/faults")


async def test_a_second_snipe_on_the_same_item_links_to_the_existing_one(
    web: WebStack, page: Page
) -> None:
    auction = await web.auction("Canon AE-1 body", price="30.00", ends_in=3600)
    await web.ebay_buyer([])
    await sign_in_and_link_ebay(page)
    for maximum in ("45.00", "50.00"):
        await add_snipe(page, auction["legacyItemId"], maximum)
        if maximum == "45.00":
            await expect(page).to_have_url(re.compile(r"/snipes$"))
    (existing,) = await _bids(web)
    # The preview said so before saving; the API's 409 says it again, with a way to the snipe.
    preview = page.locator(".preview")
    await expect(
        preview.get_by_text("You already have a snipe on this item (scheduled")
    ).to_be_visible()
    await preview.get_by_role("link", name="Open the existing snipe").click()
    await expect(page).to_have_url(re.compile(f"/snipes/{existing['bidId']}$"))
    await expect(page.get_by_role("heading", name="Canon AE-1 body")).to_be_visible()
    assert [s["maxBid"]["value"] for s in await _bids(web)] == ["45.00"]
