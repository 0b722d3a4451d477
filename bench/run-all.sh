#!/usr/bin/env bash
# Reproduces every figure in BENCHMARKS.md, section by section, into bench/results/<UTC time>/ (git-ignored):
# one Markdown file per section (stdout of the driver) plus its .err log, and summary.md with all of them in order.
#
#   bench/run-all.sh              full run (≈1–2 h on a quiet 2-core machine, mostly the 1M database build and growth)
#   bench/run-all.sh --quick      every section with few calls and small sizes (≈10–15 min): checks the script works
#   bench/run-all.sh --only e2e,http   just these sections (verify e2e http growth bulk memory startup micro)
#   bench/run-all.sh --out DIR    results somewhere else
#
# Built databases are cached in ${BENCH_WORK:-$TMPDIR/crm-mcp-bench} by size and schema hash; the first full run builds
# the 1M one (several minutes). Needs: .NET 10 SDK, Node 20+ and npm (server-memory, pinned in bench/node).
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
ONLY=""
OUT="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --only) ONLY=",$2,"; shift ;;
    --out) OUT="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
export BENCH_WORK="${BENCH_WORK:-${TMPDIR:-/tmp}/crm-mcp-bench}"
want() { [ -z "$ONLY" ] || [[ "$ONLY" == *",$1,"* ]]; }

echo "results: $OUT"
echo "building (Release)…"
dotnet build -c Release bench/Crm.Mcp.Bench -nologo -v q 2>&1 | grep -E "error|Warn|Elapsed" || true
(cd bench/node && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
BENCH="bench/Crm.Mcp.Bench/bin/Release/net10.0/Crm.Mcp.Bench.dll"
B() { dotnet "$BENCH" "$@"; }

{
  echo "# Benchmark run $(date -u '+%Y-%m-%d %H:%M UTC'), $( [ $QUICK = 1 ] && echo quick || echo full )"
  echo
  echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)')"
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "- .NET $(dotnet --version) SDK, Node $(node --version); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/00-machine.md"
cat "$OUT/00-machine.md"

section() { # section NAME COMMAND...: runs one driver command, its tables into NAME.md
  local name="$1"; shift
  echo "== $name: $* (load $(cut -d' ' -f1 /proc/loadavg))"
  local start=$SECONDS
  if "$@" > "$OUT/$name.md" 2> "$OUT/$name.err"; then
    echo "   done in $((SECONDS - start)) s → $OUT/$name.md"
  else
    echo "   FAILED (exit $?) after $((SECONDS - start)) s; see $OUT/$name.err" >&2
    tail -5 "$OUT/$name.err" >&2
  fi
}

if [ $QUICK = 1 ]; then
  want verify  && section 01-verify  B verify --rows 1000
  want e2e     && section 02-e2e     B e2e --calls 300 --runs 1 --budget 20
  want http    && section 03-http    B http --clients 1,4,16 --calls 200 --runs 1 --budget 20
  want growth  && section 04-growth  B growth --sizes 1000,100000 --calls 50 --runs 1 --budget 20
  want bulk    && section 05-bulk    B bulk --batches 5 --runs 1 --import 2000 --import-timeout 60 --budget 30
  want memory  && section 06-memory  B memory --sizes 1000 --calls 50 --budget 20
  want startup && section 07-startup B startup --runs 3 --load-calls 50 --node
  want micro   && section 08-micro   B micro --job Dry --inProcess --artifacts "$OUT/benchmarkdotnet"
else
  want verify  && section 01-verify  B verify --rows 100000
  want e2e     && section 02-e2e     B e2e --calls 2000 --runs 3
  want http    && section 03-http    B http --clients 1,4,16 --calls 1000 --runs 3
  want http    && section 03-http-stateless B http --clients 16 --calls 1000 --runs 3 --stateless
  # 1M last: its database is built on first use. Few calls there is fine (the budget caps each call type).
  want growth  && section 04-growth  B growth --sizes 1000,100000,1000000 --calls 300 --runs 3 --budget 60
  want bulk    && section 05-bulk    B bulk --batches 50 --runs 3 --import 100000 --import-timeout 600 --budget 120
  want memory  && section 06-memory  B memory --sizes 1000,100000 --calls 200 --budget 60
  if want startup; then
    # Start-up and RSS: the build as shipped, runtime knobs (environment only, same binaries), and other builds of the
    # same source, started round-robin so the machine's noise lands on all alike; then loaded RSS and throughput for
    # the shipped build and the ReadyToRun one.
    PUB="$OUT/publish"
    pub() { local name="$1"; shift; dotnet publish src/Crm.Mcp -c Release -r linux-x64 -o "$PUB/$name" -nologo "$@" > "$OUT/publish-$name.log" 2>&1 || echo "publish $name failed (see publish-$name.log)" >&2; }
    pub apphost --self-contained false
    pub r2r --self-contained false -p:PublishReadyToRun=true
    pub single --self-contained true -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:EnableCompressionInSingleFile=true
    pub single-r2r --self-contained true -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:PublishReadyToRun=true
    FD="dotnet crm-mcp.dll="
    section 07-startup-compare B startup-compare --runs 10 --servers "$FD,$FD|DOTNET_TieredPGO=0,$FD|DOTNET_TieredCompilation=0,$FD|DOTNET_TC_QuickJitForLoops=0,$FD|DOTNET_gcConcurrent=0,$FD|DOTNET_GCgen0size=0x200000,apphost (linux-x64)=$PUB/apphost/crm-mcp,apphost + ReadyToRun=$PUB/r2r/crm-mcp,single file compressed (Dockerfile/CI)=$PUB/single/crm-mcp,single file + ReadyToRun uncompressed=$PUB/single-r2r/crm-mcp"
    section 07-startup B startup --runs 5 --load-calls 1000 --label "dotnet crm-mcp.dll"
    section 07-startup-gen0 B startup --runs 5 --load-calls 1000 --no-header --env DOTNET_GCgen0size=0x200000 --label "same"
    CRM_MCP_SERVER="$PUB/r2r/crm-mcp" section 07-startup-r2r B startup --runs 5 --load-calls 1000 --no-header --label "apphost + ReadyToRun"
    CRM_MCP_SERVER="$PUB/r2r/crm-mcp" section 07-e2e-r2r B e2e --calls 2000 --runs 3
    section 07-e2e-gen0 B e2e --calls 2000 --runs 3 --env DOTNET_GCgen0size=0x200000
    # Trimming: the SDK binds tool parameters and serializes results by reflection, and Dapper emits IL at run time.
    if dotnet publish src/Crm.Mcp -c Release -r linux-x64 --self-contained true -p:PublishTrimmed=true -o "$PUB/trimmed" -nologo > "$OUT/publish-trimmed.log" 2>&1; then
      echo "trimmed publish: $(grep -c 'warning IL' "$OUT/publish-trimmed.log" || true) IL warnings" > "$OUT/07-trimmed.md"
      CRM_MCP_SERVER="$PUB/trimmed/crm-mcp" section 07-trimmed-verify B verify --rows 1000
    else
      echo "trimmed publish failed; see publish-trimmed.log" > "$OUT/07-trimmed.md"
    fi
  fi
  want micro   && section 08-micro   B micro --job Short --inProcess --artifacts "$OUT/benchmarkdotnet"
fi

cat "$OUT"/*.md > "$OUT/summary.md"
echo "summary: $OUT/summary.md"
