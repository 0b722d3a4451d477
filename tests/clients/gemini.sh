#!/usr/bin/env bash
# Gemini CLI: `gemini mcp list` connects to each server of ~/.gemini/settings.json and pings it.
source "$(dirname "$0")/lib.sh"
transport="${1:-stdio}"
name="gemini/$transport"
fresh_home
mkdir -p "$home/.gemini"
transport_args || fail "$name" "the HTTP server did not start"
crm_config gemini --db "$db" "${config_args[@]}" > "$home/.gemini/settings.json" || fail "$name" "crm-mcp config gemini failed"
# Servers of an untrusted folder are disabled.
printf '{"%s": "TRUST_FOLDER"}\n' "$project" > "$home/.gemini/trustedFolders.json"
out="$(cd "$project" && HOME="$home" timeout 120 gemini mcp list < /dev/null 2>&1)"
line="$(line_about 'crm:' <<< "$out")"
grep -q 'crm:.*Connected' <<< "$out" && pass "$name" "$line" || fail "$name" "${line:-$(tail -3 <<< "$out")}"
