/** What went wrong with a call, in words a person can act on. */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly correlationId?: string;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const detail = errorDetail(body);
    super(detail.message ?? defaultMessage(status));
    this.name = "ApiError";
    this.status = status;
    this.code = detail.code ?? `http_${status}`;
    this.field = detail.field;
    this.correlationId = detail.correlationId;
    this.body = body;
  }

  /** A 400 (or 422) that names a field: shown at that field rather than in a banner. */
  get isFieldError(): boolean {
    return (this.status === 400 || this.status === 422) && this.field !== undefined;
  }
}

/** The network failed (offline, or the API cannot be reached). */
export class NetworkError extends Error {
  readonly offline: boolean;

  constructor(offline: boolean) {
    super(
      offline
        ? "You are offline. Nothing was sent; try again when you are back online."
        : "The sniper's API cannot be reached right now. Nothing was changed; try again shortly.",
    );
    this.name = "NetworkError";
    this.offline = offline;
  }
}

/** The sign-in is over (expired or revoked): the app sends the user to sign in again. */
export class SessionExpired extends Error {
  constructor() {
    super("Your session has ended. Sign in again to continue.");
    this.name = "SessionExpired";
  }
}

interface Detail {
  code?: string;
  message?: string;
  field?: string;
  correlationId?: string;
}

function errorDetail(body: unknown): Detail {
  if (typeof body !== "object" || body === null) return {};
  const outer = body as Record<string, unknown>;
  const inner = (typeof outer.error === "object" && outer.error !== null ? outer.error : outer) as Record<
    string,
    unknown
  >;
  const text = (name: string) => (typeof inner[name] === "string" ? (inner[name] as string) : undefined);
  return {
    code: text("code"),
    message: text("message"),
    field: text("field"),
    correlationId: text("correlationId"),
  };
}

function defaultMessage(status: number): string {
  if (status === 401) return "Your sign-in was not accepted.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "Not found.";
  if (status === 409) return "That conflicts with the current state; reload and try again.";
  if (status >= 500) return "Something went wrong on the server.";
  return `The request failed (HTTP ${status}).`;
}

/** The bid id inside a 409 that says the item already has a snipe, if the answer names one. */
export function existingBidId(error: ApiError): string | undefined {
  const body = error.body as Record<string, unknown> | null;
  const inner = (body?.error ?? {}) as Record<string, unknown>;
  for (const candidate of [inner.bidId, inner.existingBidId, body?.bidId]) {
    if (typeof candidate === "string" && candidate) return candidate;
  }
  return /\(([A-Za-z0-9_-]{8,})\)/.exec(error.message)?.[1];
}
