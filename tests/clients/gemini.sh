#!/usr/bin/env bash
# Gemini CLI: `gemini mcp list` connects to each server of ~/.gemini/settings.json and pings it.
source "$(dirname "$0")/lib.sh"
transport="${1:-stdio}"
name="gemini/$transport"
fresh_home
mkdir -p "$home/.gemini"
transport_args || fail "$name" "the HTTP server did not start"
# An existing settings file, as users have: --write must add the server and keep the rest.
echo '{"general": {"disableAutoUpdate": true}}' > "$home/.gemini/settings.json"
(cd "$project" && HOME="$home" $CRM_MCP config gemini --write --db "$db" "${config_args[@]}" > /dev/null 2>&1) ||
  fail "$name" "crm-mcp config gemini --write failed"
grep -q disableAutoUpdate "$home/.gemini/settings.json" || fail "$name" "--write dropped the existing settings"
# Servers of an untrusted folder are disabled.
printf '{"%s": "TRUST_FOLDER"}\n' "$project" > "$home/.gemini/trustedFolders.json"
out="$(cd "$project" && HOME="$home" timeout 120 gemini mcp list < /dev/null 2>&1)"
line="$(line_about 'crm:' <<< "$out")"
grep -q 'crm:.*Connected' <<< "$out" && pass "$name" "$line" || fail "$name" "${line:-$(tail -3 <<< "$out")}"
