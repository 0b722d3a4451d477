#!/usr/bin/env bash
# The REST API's description: `crm-mcp serve --transport http` serves /openapi.json (generated from the /api/v1
# endpoints) and /docs; the document must pass an independent validator, and /docs must load without a key or a CDN.
source "$(dirname "$0")/lib.sh"
fresh_home
start_http_server || { echo "FAIL openapi: $url"; exit 1; }
base="${url%/mcp}"
if node -e "fetch('$base/openapi.json').then(r => r.ok ? r.text() : Promise.reject(r.status)).then(t => require('fs').writeFileSync('$home/openapi.json', t), e => { console.log('status ' + e); process.exit(1) })" \
   && result="$(node "$here/openapi-validate.mjs" "$home/openapi.json")"; then
  echo "PASS openapi: $result"
else
  echo "FAIL openapi: ${result:-/openapi.json not served}"
  failed=1
fi
if node -e "fetch('$base/docs/').then(r => r.text().then(t => process.exit(r.ok && t.includes('<html') ? 0 : 1)), () => process.exit(1))"; then
  echo "PASS openapi: /docs serves the API reference page"
else
  echo "FAIL openapi: /docs did not serve an HTML page"
  failed=1
fi
[ "${failed:-0}" -eq 0 ]
