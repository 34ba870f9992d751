/** What every screen needs: the runtime configuration and the API client. */

import { createContext, useContext } from "react";

import type { ApiClient } from "../api/client";
import type { RuntimeConfig } from "../config";

export interface AppServices {
  config: RuntimeConfig;
  api: ApiClient;
}

export const ServicesContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("useServices outside ServicesContext");
  return services;
}
