// Starts a server command over stdio, sends `initialize`, and prints one line with the serverInfo it answers.
// Usage: node initialize.mjs COMMAND [ARGS...]; exits 0 only when the answer names crm-mcp within 120 s.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const [command, ...args] = process.argv.slice(2);
const server = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
let stderr = "";
server.stderr.on("data", (chunk) => { stderr += chunk; });
const timer = setTimeout(() => finish(false, "no answer within 120 s"), 120_000);
server.on("exit", (code) => finish(false, `exited with ${code} before answering: ${stderr.slice(-300)}`));
createInterface({ input: server.stdout }).on("line", (line) => {
  let message;
  try { message = JSON.parse(line); } catch { return finish(false, `stdout carried a non-protocol line: ${line.slice(0, 200)}`); }
  if (message.id !== 1) return;
  const info = message.result?.serverInfo;
  finish(info?.name === "crm-mcp", `serverInfo ${JSON.stringify(info)} protocol ${message.result?.protocolVersion}`);
});
server.stdin.write(JSON.stringify({
  jsonrpc: "2.0", id: 1, method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "crm-mcp-ci", version: "1.0.0" } },
}) + "\n");

function finish(ok, detail) {
  clearTimeout(timer);
  server.removeAllListeners("exit");
  server.kill();
  console.log(detail);
  process.exit(ok ? 0 : 1);
}
