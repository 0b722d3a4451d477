#!/usr/bin/env bash
# Codex CLI: `codex mcp list` only reads the config, so the check asks `codex app-server` (JSON-RPC on stdio) for
# mcpServerStatus/list, which reports the tools of each server it started, or the error.
source "$(dirname "$0")/lib.sh"
transport="${1:-stdio}"
name="codex/$transport"
fresh_home
mkdir -p "$home/.codex"
transport_args || fail "$name" "the HTTP server did not start"
crm_config codex --db "$db" "${config_args[@]}" > "$home/.codex/config.toml" || fail "$name" "crm-mcp config codex failed"
listed="$(cd "$project" && HOME="$home" CODEX_HOME="$home/.codex" timeout 60 codex mcp list < /dev/null 2>&1)"
grep -q '^crm' <<< "$listed" || fail "$name" "codex mcp list does not show crm: $(tail -2 <<< "$listed")"
out="$(cd "$project" && HOME="$home" CODEX_HOME="$home/.codex" timeout 120 node "$here/codex-status.mjs" crm < /dev/null 2>/dev/null)"
status=$?
line="$(line_about 'crm:' <<< "$out")"
[ "$status" -eq 0 ] && pass "$name" "$line" || fail "$name" "${line:-$(tail -3 <<< "$out")}"
