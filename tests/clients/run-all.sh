#!/usr/bin/env bash
# Runs every real-client check for the given transports and ends with "clients: N passed, N failed".
#   CRM_MCP="dotnet path/crm-mcp.dll" tests/clients/run-all.sh [stdio] [http]
here="$(cd "$(dirname "$0")" && pwd)"
transports=("${@:-stdio}")
passed=0; failed=0
for transport in "${transports[@]}"; do
  for check in claude-code gemini codex inspector; do
    if bash "$here/$check.sh" "$transport"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  done
done
echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
