import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// config.json is not part of the build: the host serves it beside the app (the local stack
// writes it from the running stack, a deployment from the stack's outputs), so one build
// serves every stack.
export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    sourcemap: false,
    // The hashed files are cached forever by the hosts; index.html and config.json never.
    assetsDir: "assets",
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
