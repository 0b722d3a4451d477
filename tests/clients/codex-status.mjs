// Asks a real Codex CLI which MCP servers it connected: `codex app-server` speaks JSON-RPC (one JSON per line) on
// stdio; `mcpServerStatus/list` answers with each configured server's tools, or its start-up error.
// Usage: node codex-status.mjs SERVER_NAME   (HOME/CODEX_HOME point at the throwaway config). Prints one line, and exits 0
// only when SERVER_NAME reports tools.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const name = process.argv[2] ?? "crm";
const codex = spawn("codex", ["app-server"], { stdio: ["pipe", "pipe", "inherit"] });
const lines = createInterface({ input: codex.stdout });
const pending = new Map();
let nextId = 1;
lines.on("line", (line) => {
  let message;
  try { message = JSON.parse(line); } catch { return; }
  if (message.id !== undefined && pending.has(message.id)) {
    pending.get(message.id)(message);
    pending.delete(message.id);
  }
});
const request = (method, params) => new Promise((resolve) => {
  const id = nextId++;
  pending.set(id, resolve);
  codex.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
});
const timer = setTimeout(() => { console.log("TIMEOUT: no answer from codex app-server in 90 s"); codex.kill(); process.exit(1); }, 90_000);

const init = await request("initialize", { clientInfo: { name: "crm-mcp-ci", title: "crm-mcp CI", version: "1.0.0" } });
if (init.error) { console.log("initialize failed: " + JSON.stringify(init.error)); process.exit(1); }
codex.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "initialized" }) + "\n");

// Servers start in the background: ask until ours has tools or an error, for up to a minute.
let status;
for (let attempt = 0; attempt < 60; attempt++) {
  status = await request("mcpServerStatus/list", {});
  const servers = status.result?.data ?? status.result?.servers ?? [];
  const ours = Array.isArray(servers) ? servers.find((s) => s.name === name) : undefined;
  if (status.error || (ours && (Object.keys(ours.tools ?? {}).length > 0 || ours.error))) break;
  await new Promise((r) => setTimeout(r, 1000));
}
clearTimeout(timer);
codex.kill();
const servers = status.result?.data ?? status.result?.servers ?? [];
const ours = Array.isArray(servers) ? servers.find((s) => s.name === name) : undefined;
const tools = Object.keys(ours?.tools ?? {});
if (tools.length > 0) {
  const listed = tools.sort();
  console.log(`${name}: ${ours.serverInfo?.name} ${ours.serverInfo?.version} connected, ${tools.length} tools (${listed.slice(0, 4).join(", ")}${listed.length > 4 ? ", ..." : ""})`);
  process.exit(0);
}
console.log(`${name}: not connected: ${JSON.stringify(ours ?? status).slice(0, 2000)}`);
process.exit(1);
