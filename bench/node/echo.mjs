// The Node reference floor: an MCP server on the official TypeScript SDK (the version server-memory pins, from
// node_modules) with one tool that echoes its argument. Its tools/call rate is the SDK-and-stdio ceiling the bench
// compares crm-mcp's tool calls with.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "echo", version: "1.0.0" });
server.registerTool("echo", { description: "Echoes text.", inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: "text", text }] }));
await server.connect(new StdioServerTransport());
