// Validates an OpenAPI document with an independent validator (@apidevtools/swagger-parser, pinned in package.json).
// Usage: node openapi-validate.mjs FILE; prints one summary line, exits non-zero when the document is invalid.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
  const api = await SwaggerParser.validate(file);
  const operations = Object.values(api.paths ?? {}).flatMap((item) => Object.keys(item).filter((k) => ["get", "put", "post", "delete", "patch"].includes(k)));
  console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths ?? {}).length} paths, ${operations.length} operations`);
} catch (error) {
  console.log(`invalid: ${error.message.split("\n").slice(0, 5).join(" | ")}`);
  process.exit(1);
}
