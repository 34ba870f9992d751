/**
 * The API client: generated types (schema.d.ts, from the API's own OpenAPI document) over
 * openapi-fetch. Every call carries the signed-in user's ID token; answers that are not 2xx
 * become ApiError, a failed network NetworkError, and a refused sign-in SessionExpired.
 */

import createClient, { type Middleware } from "openapi-fetch";

import { ApiError, NetworkError, SessionExpired } from "./errors";
import type { paths } from "./schema";

export type ApiClient = ReturnType<typeof createClient<paths>>;

export interface ClientHooks {
  /** The bearer token, or undefined when the session is over. */
  token: () => Promise<string | undefined>;
  /** Called once the API or Cognito refuses the session. */
  onSessionExpired: () => void;
}

export function makeApiClient(baseUrl: string, hooks: ClientHooks): ApiClient {
  const client = createClient<paths>({ baseUrl });
  const auth: Middleware = {
    async onRequest({ request }) {
      const token = await hooks.token();
      if (!token) {
        hooks.onSessionExpired();
        throw new SessionExpired();
      }
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) hooks.onSessionExpired();
      return response;
    },
  };
  client.use(auth);
  return client;
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a call, or the error it stands for (thrown). */
export async function call<T>(request: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await request;
  } catch (error) {
    if (error instanceof SessionExpired) throw error;
    throw new NetworkError(typeof navigator !== "undefined" && !navigator.onLine);
  }
  if (result.error !== undefined || !result.response.ok) {
    if (result.response.status === 401) throw new SessionExpired();
    throw new ApiError(result.response.status, result.error);
  }
  return result.data as T;
}
