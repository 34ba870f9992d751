// Writes config.json for a deployed stack from environment variables: Amplify's build sets them
// on the branch (template.yaml), and `make deploy-web` sets them from the stack's outputs.
// Usage: node scripts/write-config.mjs dist/config.json
import { writeFileSync } from "node:fs";

const required = {
  apiUrl: "SNIPER_API_URL",
  region: "SNIPER_REGION",
  userPoolId: "SNIPER_USER_POOL_ID",
  userPoolClientId: "SNIPER_USER_POOL_CLIENT_ID",
};
const config = {};
const missing = [];
for (const [key, variable] of Object.entries(required)) {
  const value = process.env[variable];
  if (!value) missing.push(variable);
  config[key] = value;
}
if (missing.length) {
  process.stderr.write(`write-config: set ${missing.join(", ")}\n`);
  process.exit(2);
}
config.snipeTiming = {
  leadSeconds: Number(process.env.SNIPER_SCHEDULE_LEAD_SECONDS ?? 120),
  precisionSeconds: Number(process.env.SNIPER_SCHEDULE_PRECISION_SECONDS ?? 60),
};
config.environment = process.env.SNIPER_ENVIRONMENT ?? "deployed";
const output = process.argv[2] ?? "dist/config.json";
writeFileSync(output, JSON.stringify(config, null, 2) + "\n");
process.stdout.write(`wrote ${output}\n`);
