/**
 * What a user pastes into "Add a snipe": item numbers, eBay listing URLs from the sites the
 * sniper serves, or several of them on separate lines. The API accepts the same forms; the UI
 * parses them too, to preview each item before anything is saved.
 */

/** eBay sites by host suffix (longest first, so ebay.com.au is not read as ebay.com). */
const SITES: ReadonlyArray<readonly [suffix: string, marketplaceId: string]> = [
  ["ebay.com.au", "EBAY_AU"],
  ["ebay.co.uk", "EBAY_GB"],
  ["ebay.com", "EBAY_US"],
  ["ebay.de", "EBAY_DE"],
  ["ebay.ca", "EBAY_CA"],
  ["ebay.fr", "EBAY_FR"],
  ["ebay.it", "EBAY_IT"],
  ["ebay.es", "EBAY_ES"],
];

const ITEM_NUMBER = /^[0-9]{6,19}$/;
const REST_ID = /^v1\|([0-9]{6,19})\|([0-9]{1,19})$/;

export interface ParsedItem {
  /** The text this came from, trimmed. */
  input: string;
  /** What to send as itemId: the item number, or the RESTful id for a variation. */
  itemId: string;
  /** The listing's item number. */
  itemNumber: string;
  /** The eBay site the URL named; undefined for a bare number. */
  marketplaceId?: string;
}

export interface ParseFailure {
  input: string;
  error: string;
}

export type ParseResult = ParsedItem | ParseFailure;

export function isFailure(result: ParseResult): result is ParseFailure {
  return "error" in result;
}

function siteOf(host: string): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, "");
  for (const [suffix, marketplaceId] of SITES) {
    if (name === suffix || name.endsWith(`.${suffix}`)) {
      return marketplaceId;
    }
  }
  return undefined;
}

function fromUrl(input: string): ParseResult {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `https://${input}`);
  } catch {
    return { input, error: "not an item number or a link" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { input, error: "not an eBay link" };
  }
  const marketplaceId = siteOf(url.hostname);
  if (marketplaceId === undefined) {
    return {
      input,
      error: "not an eBay listing link (ebay.com, .co.uk, .de, .com.au, .ca, .fr, .it, .es)",
    };
  }
  // /itm/<number>, /itm/<title-words>/<number>; the old ViewItem pages carry ?item=<number>.
  const segments = url.pathname.split("/").filter(Boolean);
  let itemNumber: string | undefined;
  const itm = segments.indexOf("itm");
  if (itm >= 0) {
    itemNumber = segments.slice(itm + 1).find((segment) => ITEM_NUMBER.test(segment));
  }
  itemNumber ??= [url.searchParams.get("item"), url.searchParams.get("itemId")].find(
    (value): value is string => value !== null && ITEM_NUMBER.test(value),
  );
  if (itemNumber === undefined) {
    return { input, error: "this eBay link does not name a listing (look for /itm/ in it)" };
  }
  const variation = url.searchParams.get("var");
  const itemId =
    variation !== null && /^[0-9]{1,19}$/.test(variation) && variation !== "0"
      ? `v1|${itemNumber}|${variation}`
      : itemNumber;
  return { input, itemId, itemNumber, marketplaceId };
}

export function parseOne(raw: string): ParseResult {
  const input = raw.trim();
  if (ITEM_NUMBER.test(input)) {
    return { input, itemId: input, itemNumber: input };
  }
  const decoded = input.includes("%") ? safeDecode(input) : input;
  const rest = REST_ID.exec(decoded);
  if (rest) {
    const [, itemNumber = "", variation] = rest;
    return { input, itemId: variation === "0" ? itemNumber : decoded, itemNumber };
  }
  if (/^\d+$/.test(input)) {
    return { input, error: "an item number has 6 to 19 digits" };
  }
  return fromUrl(input);
}

/** Every item in a paste: one per line (or separated by spaces or commas), duplicates once. */
export function parseListingInput(text: string): ParseResult[] {
  const seen = new Set<string>();
  const results: ParseResult[] = [];
  for (const token of text.split(/[\s,;]+/)) {
    if (!token) continue;
    const result = parseOne(token);
    const key = isFailure(result) ? `!${result.input}` : result.itemId;
    if (seen.has(key)) continue;
    seen.add(key);
    results.push(result);
  }
  return results;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
