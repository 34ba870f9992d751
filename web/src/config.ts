/**
 * Runtime configuration: read from /config.json, served beside the app by whatever hosts it
 * (the local stack writes it from the running stack; a deployment from the stack's outputs).
 * One build serves every stack.
 */

import type { SnipeTiming } from "./lib/lock";

export interface RuntimeConfig {
  apiUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Set locally: the user pool is the local AWS (moto), not Cognito's regional endpoint. */
  userPoolEndpoint?: string | null;
  snipeTiming: SnipeTiming;
  /** Set locally only: the local pool's documented demo login, shown on the sign-in page. */
  demoLogin?: { username: string; password: string } | null;
  /**
   * Cognito's sign-in flow: SRP (the password never leaves the browser) unless the host says
   * otherwise. Every stack we serve uses SRP, the local one included (its pool checks the proofs);
   * USER_PASSWORD_AUTH is left for a host whose pool cannot.
   */
  signInFlow: "USER_SRP_AUTH" | "USER_PASSWORD_AUTH";
  /** "local" or the deployment's environment name. */
  environment: string;
}

const DEFAULT_TIMING: SnipeTiming = { leadSeconds: 120, precisionSeconds: 60 };

export class ConfigError extends Error {}

function need(source: Record<string, unknown>, name: string): string {
  const value = source[name];
  if (typeof value !== "string" || !value) {
    throw new ConfigError(`config.json has no ${name}`);
  }
  return value;
}

export function parseConfig(source: unknown): RuntimeConfig {
  if (typeof source !== "object" || source === null) {
    throw new ConfigError("config.json is not a JSON object");
  }
  const raw = source as Record<string, unknown>;
  const timing = raw.snipeTiming as Partial<SnipeTiming> | undefined;
  return {
    apiUrl: need(raw, "apiUrl").replace(/\/+$/, ""),
    region: need(raw, "region"),
    userPoolId: need(raw, "userPoolId"),
    userPoolClientId: need(raw, "userPoolClientId"),
    userPoolEndpoint: typeof raw.userPoolEndpoint === "string" ? raw.userPoolEndpoint : null,
    snipeTiming: {
      leadSeconds: Number(timing?.leadSeconds ?? DEFAULT_TIMING.leadSeconds),
      precisionSeconds: Number(timing?.precisionSeconds ?? DEFAULT_TIMING.precisionSeconds),
    },
    demoLogin:
      typeof raw.demoLogin === "object" && raw.demoLogin !== null
        ? (raw.demoLogin as RuntimeConfig["demoLogin"])
        : null,
    signInFlow: raw.signInFlow === "USER_PASSWORD_AUTH" ? "USER_PASSWORD_AUTH" : "USER_SRP_AUTH",
    environment: typeof raw.environment === "string" ? raw.environment : "deployed",
  };
}

export async function loadConfig(): Promise<RuntimeConfig> {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) {
    throw new ConfigError(`config.json could not be loaded (HTTP ${response.status})`);
  }
  return parseConfig(await response.json());
}
