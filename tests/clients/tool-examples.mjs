// Drives a crm-mcp build over stdio through every tool with the example its description gives ("Example: {...}"),
// plus prompts, resources, a create_deal_draft and a bad input, so a code path that only works by reflection (JSON
// metadata, Dapper mapping) fails here against the native binary rather than for a user.
// Usage: node tool-examples.mjs COMMAND [ARGS...] (run on a seeded database: `crm-mcp seed-demo --db FILE` first).
// A tool may answer an example with a domain error (not_found, needs_disambiguation, ...); an internal_error, a
// JSON-RPC error, a crash or non-protocol output on stdout fails. Prints one line; exits 0 only when all passed.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const [command, ...args] = process.argv.slice(2);
const server = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
let stderr = "";
server.stderr.on("data", (chunk) => { stderr += chunk; });
server.on("exit", (code) => done(`server exited with ${code}: ${stderr.slice(-300)}`));
const timer = setTimeout(() => done("no answer within 300 s"), 300_000);

const pending = new Map();
let nextId = 1;
createInterface({ input: server.stdout }).on("line", (line) => {
  let message;
  try { message = JSON.parse(line); } catch { return done(`stdout carried a non-protocol line: ${line.slice(0, 200)}`); }
  const waiter = pending.get(message.id);
  if (waiter) { pending.delete(message.id); waiter(message); }
});
const request = (method, params) => new Promise((resolve) => {
  const id = nextId++;
  pending.set(id, resolve);
  server.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
});

const failures = [];
let calls = 0;
let listed = 0;
const text = (result) => result?.content?.map((c) => c.text ?? "").join("") ?? "";

async function call(name, argumentsObject, expectError) {
  calls++;
  const answer = await request("tools/call", { name, arguments: argumentsObject });
  if (answer.error) return failures.push(`${name}: JSON-RPC error ${JSON.stringify(answer.error).slice(0, 200)}`), answer;
  const body = text(answer.result);
  if (body.includes("internal_error")) failures.push(`${name}: internal_error for ${JSON.stringify(argumentsObject).slice(0, 120)}`);
  if (expectError !== undefined && (answer.result.isError === true) !== expectError)
    failures.push(`${name}: isError ${answer.result.isError}, expected ${expectError}: ${body.slice(0, 200)}`);
  return answer;
}

const init = await request("initialize", {
  protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "crm-mcp-tool-examples", version: "1.0.0" },
});
if (init.result?.serverInfo?.name !== "crm-mcp") done(`initialize answered ${JSON.stringify(init).slice(0, 300)}`);
server.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n");

const { tools } = (await request("tools/list", {})).result;
if (!tools?.length) done("tools/list returned no tools");
listed = tools.length;

// Writes first, so the reads and deletes below find what the examples name; each tool once, in list order.
const example = (tool) => {
  const match = /Example:\s*(\{.*\})\s*$/m.exec(tool.description ?? "");
  if (!match) return {};
  try { return JSON.parse(match[1]); } catch { failures.push(`${tool.name}: its description's example is not JSON`); return {}; }
};
for (const tool of tools) await call(tool.name, example(tool));

// The contract end to end: a draft with everything resolved by name, then bad input named by field.
const draft = await call("create_deal_draft",
  { company_name: "Native Check, Inc.", amount: 1234.5, stage_name: "Proposal", people: [{ name: "Nat Ive", email: "nat@native.example" }] }, false);
if (!draft.result?.structuredContent?.data?.deal?.id) failures.push(`create_deal_draft: no deal id in ${text(draft.result).slice(0, 200)}`);
const bad = await call("create_deal_draft", { company_name: "Native Check, Inc.", amount: "lots" }, true);
if (!text(bad.result).includes("amount")) failures.push(`create_deal_draft bad input: the error does not name amount: ${text(bad.result).slice(0, 200)}`);

for (const { name, arguments: promptArgs } of (await request("prompts/list", {})).result?.prompts ?? []) {
  const required = Object.fromEntries((promptArgs ?? []).filter((a) => a.required).map((a) => [a.name, "Acme"]));
  const answer = await request("prompts/get", { name, arguments: required });
  if (answer.error && !/not found|no company|matches/i.test(answer.error.message)) failures.push(`prompt ${name}: ${answer.error.message}`);
}
const pipeline = await request("resources/read", { uri: "crm://pipeline" });
if (!pipeline.result?.contents?.[0]?.text?.startsWith("[")) failures.push(`resource crm://pipeline: ${JSON.stringify(pipeline).slice(0, 200)}`);

done(failures.length ? failures.join("; ") : null);

function done(failure) {
  clearTimeout(timer);
  server.removeAllListeners("exit");
  server.kill();
  console.log(failure ? `${failure}` : `${listed} tools called with their examples, ${calls} calls, prompts and a resource: no internal error`);
  process.exit(failure ? 1 : 0);
}
