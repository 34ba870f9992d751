import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import { configureCognito } from "./auth/cognito";
import { loadConfig } from "./config";
import { startServerClock } from "./lib/serverClock";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

function StartupError({ message }: { message: string }) {
  return (
    <main id="main" className="account">
      <h1>eBay Sniper cannot start</h1>
      <p className="banner banner-error" role="alert">
        {message}
      </p>
      <p>Reload the page to try again. If you host this app, check that config.json is served beside it.</p>
    </main>
  );
}

loadConfig()
  .then((config) => {
    configureCognito(config);
    startServerClock();
    root.render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    const offline = !navigator.onLine;
    root.render(
      <StartupError
        message={offline ? "You are offline." : error instanceof Error ? error.message : "The configuration could not be read."}
      />,
    );
  });
