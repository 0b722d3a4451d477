#!/usr/bin/env bash
# MCP Inspector CLI: lists the tools, then calls create_deal_draft and get_deal, from a config file in the
# mcpServers format (the one Cursor and Claude Desktop read).
source "$(dirname "$0")/lib.sh"
transport="${1:-stdio}"
name="inspector/$transport"
fresh_home
client=cursor
[ "$transport" = http ] && client=vscode   # the Inspector needs "type": "http" on a URL entry
transport_args || fail "$name" "the HTTP server did not start"
crm_config "$client" --db "$db" "${config_args[@]}" > "$home/mcp.json" || fail "$name" "crm-mcp config $client failed"
[ "$client" = vscode ] && sed -i 's/"servers"/"mcpServers"/' "$home/mcp.json"
inspect() {
  # It resolves its own package.json from the working directory, so it runs from its package folder.
  (cd "$here/node_modules/@modelcontextprotocol/inspector" &&
    HOME="$home" timeout 90 mcp-inspector --cli --config "$home/mcp.json" --server crm --format json "$@" < /dev/null 2>/dev/null)
}
tools="$(inspect --method tools/list)" || fail "$name" "tools/list failed: $(tail -c 300 <<< "$tools")"
count="$(node -e 'const r=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log((r.result??r).tools.length)' <<< "$tools" 2>/dev/null)"
[ "${count:-0}" -gt 0 ] || fail "$name" "tools/list returned no tools: $(head -c 300 <<< "$tools")"
call="$(inspect --method tools/call --tool-name create_deal_draft --tool-arg 'company_name=Inspector Ltd' --tool-arg amount=1234)" \
  || fail "$name" "tools/call failed: $(tail -c 300 <<< "$call")"
identifier="$(node -e 'const r=JSON.parse(require("fs").readFileSync(0,"utf8"));const c=(r.result??r);if(c.isError)process.exit(1);console.log(c.structuredContent.data.deal.identifier)' <<< "$call" 2>/dev/null)" \
  || fail "$name" "create_deal_draft answered an error: $(head -c 300 <<< "$call")"
got="$(inspect --method tools/call --tool-name get_deal --tool-arg "deal=$identifier")"
grep -q 'Inspector Ltd' <<< "$got" || fail "$name" "get_deal $identifier did not return the deal: $(head -c 300 <<< "$got")"
pass "$name" "tools/list: $count tools; create_deal_draft -> $identifier; get_deal $identifier -> Inspector Ltd"
