import { describe, expect, it } from "vitest";

import { isFailure, parseListingInput, parseOne } from "./listing";

describe("parseOne", () => {
  it.each([
    ["https://www.ebay.com/itm/123456789012", "123456789012", "EBAY_US"],
    ["https://www.ebay.co.uk/itm/Leica-M6-body/123456789012?hash=item1cb&_trksid=p1", "123456789012", "EBAY_GB"],
    ["https://www.ebay.de/itm/234567890123", "234567890123", "EBAY_DE"],
    ["https://www.ebay.com.au/itm/345678901234?_trkparms=x", "345678901234", "EBAY_AU"],
    ["https://www.ebay.ca/itm/456789012345", "456789012345", "EBAY_CA"],
    ["https://cafr.ebay.ca/itm/456789012345", "456789012345", "EBAY_CA"],
    ["https://www.ebay.fr/itm/567890123456", "567890123456", "EBAY_FR"],
    ["https://www.ebay.it/itm/678901234567", "678901234567", "EBAY_IT"],
    ["https://www.ebay.es/itm/789012345678", "789012345678", "EBAY_ES"],
    ["https://m.ebay.com/itm/123456789012", "123456789012", "EBAY_US"],
    ["www.ebay.com/itm/123456789012", "123456789012", "EBAY_US"],
    ["ebay.de/itm/Rolleiflex/234567890123#desc", "234567890123", "EBAY_DE"],
    ["https://cgi.ebay.com/ws/eBayISAPI.dll?ViewItem&item=123456789012", "123456789012", "EBAY_US"],
  ])("reads the item number from %s", (url, itemNumber, marketplaceId) => {
    const result = parseOne(url);
    expect(result).toEqual({ input: url, itemId: itemNumber, itemNumber, marketplaceId });
  });

  it("keeps a variation as the RESTful id", () => {
    const result = parseOne("https://www.ebay.com/itm/123456789012?var=4242");
    expect(result).toMatchObject({ itemId: "v1|123456789012|4242", itemNumber: "123456789012" });
  });

  it("accepts item numbers and RESTful ids, encoded or not", () => {
    expect(parseOne(" 123456789012 ")).toEqual({
      input: "123456789012",
      itemId: "123456789012",
      itemNumber: "123456789012",
    });
    expect(parseOne("v1|123456789012|0")).toMatchObject({ itemId: "123456789012" });
    expect(parseOne("v1%7C123456789012%7C55")).toMatchObject({ itemId: "v1|123456789012|55" });
  });

  it.each([
    ["12345", "6 to 19 digits"],
    ["https://www.amazon.com/itm/123456789012", "not an eBay listing link"],
    ["https://www.ebay.nl/itm/123456789012", "not an eBay listing link"],
    ["https://www.ebay.com.evil.example/itm/123456789012", "not an eBay listing link"],
    ["https://www.ebay.com/p/123456789012", "does not name a listing"],
    ["https://www.ebay.com/itm/not-a-number", "does not name a listing"],
    ["ftp://www.ebay.com/itm/123456789012", "not an eBay link"],
    ["hello", "not an eBay listing link"],
  ])("refuses %s", (input, message) => {
    const result = parseOne(input);
    expect(isFailure(result) && result.error).toContain(message);
  });
});

describe("parseListingInput", () => {
  it("takes several pasted lines, once each, and keeps the failures in place", () => {
    const results = parseListingInput(
      [
        "https://www.ebay.com/itm/123456789012",
        "",
        "  234567890123",
        "https://www.ebay.co.uk/itm/Title/123456789012?x=1",
        "nonsense",
      ].join("\n"),
    );
    expect(results.map((r) => (isFailure(r) ? `!${r.input}` : r.itemId))).toEqual([
      "123456789012",
      "234567890123",
      "!nonsense",
    ]);
  });

  it("gives nothing for blank text", () => {
    expect(parseListingInput(" \n\t ")).toEqual([]);
  });
});
