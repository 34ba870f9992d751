/** Money travels as decimal strings ("17.50"); compared exactly, never through floats. */

export interface Money {
  value: string;
  currency: string;
}

const DECIMAL = /^\d+(\.\d{1,2})?$/;

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** Cents as a bigint: exact for any amount eBay takes. */
export function cents(value: string): bigint {
  const [whole = "0", fraction = ""] = value.trim().split(".");
  return BigInt(whole) * 100n + BigInt((fraction + "00").slice(0, 2));
}

export function compare(a: string, b: string): number {
  const diff = cents(a) - cents(b);
  return diff === 0n ? 0 : diff < 0n ? -1 : 1;
}

/** "$17.50", "£8.00", "€120.00", "AUD 45.00": the currency's own sign where the browser has one. */
export function formatMoney(money: Money | null | undefined): string {
  if (!money) return "—";
  try {
    return new Intl.NumberFormat(undefined, {
      style: "currency",
      currency: money.currency,
      currencyDisplay: "narrowSymbol",
      minimumFractionDigits: 2,
    }).format(Number(money.value));
  } catch {
    return `${money.currency} ${money.value}`;
  }
}
