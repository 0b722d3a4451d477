#!/usr/bin/env bash
# Claude Code: `claude mcp list` starts each server of the project's .mcp.json and prints "✔ Connected" for ours.
source "$(dirname "$0")/lib.sh"
transport="${1:-stdio}"
name="claude-code/$transport"
fresh_home
mkdir -p "$home/.claude"
# Project servers wait for approval unless the user setting approves them all.
echo '{"enableAllProjectMcpServers": true}' > "$home/.claude/settings.json"
transport_args || fail "$name" "the HTTP server did not start"
# --write puts the entry where Claude Code reads it: .mcp.json in the current project folder.
(cd "$project" && HOME="$home" $CRM_MCP config claude-code --write --db "$db" "${config_args[@]}" > /dev/null 2>&1) ||
  fail "$name" "crm-mcp config claude-code --write failed"
out="$(cd "$project" && HOME="$home" timeout 120 claude mcp list < /dev/null 2>&1)"
line="$(line_about 'crm:' <<< "$out")"
grep -q 'crm:.*Connected' <<< "$out" && pass "$name" "$line" || fail "$name" "${line:-$(tail -3 <<< "$out")}"
