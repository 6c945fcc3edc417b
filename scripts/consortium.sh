#!/usr/bin/env bash
# A consortium on 127.0.0.1 (issue 14, docs/ledger.md "Running a consortium"): three etcd members ordering one shared
# ledger and three organisations' servers — two hospitals and an insurer — each with its own SQLite database, peer
# key and etcd client certificate, each seeded with its own small demo world through the SDK over its API.
#   scripts/consortium.sh start  <dir> [etcd-base-port] [api-base-port]   # defaults 23890 and 5181 (5181, 5182, 5183)
#   scripts/consortium.sh stop   <dir>
#   scripts/consortium.sh status <dir>
# Everything lives under <dir>: consortium.json (shared, public), etcd/ (members, CA, client certs), and per
# organisation orgs/<peer>/ (peer-key.pem, data/, server.log, server.pid). Processes end by their recorded pids.
# Set MEDLEDGER_SKIP_BUILD=1 to use the binaries already built (tests do).
set -euo pipefail
cmd=${1:?usage: consortium.sh start|stop|status <dir> [etcd-base-port] [api-base-port]}
dir=${2:?data folder}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
peers=(hospital-a hospital-b insurer)
orgs=("Northside General Hospital" "Riverside Teaching Hospital" "Mutual Health Insurance")
kinds=(hospital hospital insurer)

stop_servers() {
  for p in "${peers[@]}"; do
    local f="$dir/orgs/$p/server.pid"
    [ -f "$f" ] || continue
    local pid; pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

case "$cmd" in
  stop)
    stop_servers
    bash "$repo/scripts/etcd-cluster.sh" stop "$dir/etcd"
    echo "consortium in $dir stopped"
    exit 0 ;;
  status)
    for p in "${peers[@]}"; do
      url=$(cat "$dir/orgs/$p/url" 2>/dev/null || echo "?")
      if [ -f "$dir/orgs/$p/server.pid" ] && kill -0 "$(cat "$dir/orgs/$p/server.pid")" 2>/dev/null; then state=running; else state=stopped; fi
      health=$(curl -s -o /dev/null -w '%{http_code}' "$url/health" 2>/dev/null || true)
      echo "$p  $state  $url  health ${health:-none}"
    done
    for i in 1 2 3; do
      if [ -f "$dir/etcd/m$i.pid" ] && kill -0 "$(cat "$dir/etcd/m$i.pid")" 2>/dev/null; then echo "etcd m$i running"; else echo "etcd m$i stopped"; fi
    done
    exit 0 ;;
  start) ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac

etcd_base=${3:-23890}
api_base=${4:-5181}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cli="$repo/src/MedLedger.Cli/bin/Release/net10.0/medledger.dll"
if [ "${MEDLEDGER_SKIP_BUILD:-0}" != 1 ]; then
  # A fresh clone: the browser app and the server, as scripts/run.sh builds them.
  (cd "$repo/web" && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
  dotnet build "$repo/src/MedLedger.Cli" -c Release
fi
[ -f "$cli" ] || { echo "no $cli; build first (or drop MEDLEDGER_SKIP_BUILD)" >&2; exit 1; }

# etcd: three members with mutual TLS; a client certificate per organisation's peer (CN = peer id, RBAC on its prefix).
bash "$repo/scripts/etcd-cluster.sh" start "$dir/etcd" "$etcd_base" "${peers[@]}"
endpoints=$(cat "$dir/etcd/endpoints")

# Each organisation's own peer key (P-256, PEM); only its public half goes into the shared file.
members=""
for i in 0 1 2; do
  p=${peers[$i]}
  mkdir -p "$dir/orgs/$p"
  if [ ! -f "$dir/orgs/$p/peer-key.pem" ]; then
    (umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$dir/orgs/$p/peer-key.pem" 2>/dev/null)
  fi
  # The SubjectPublicKeyInfo of a P-256 key ends with the 65-byte uncompressed point.
  pub=$(openssl ec -in "$dir/orgs/$p/peer-key.pem" -pubout -outform DER 2>/dev/null | tail -c 65 | base64 -w0)
  url="http://127.0.0.1:$((api_base + i))"
  echo "$url" > "$dir/orgs/$p/url"
  members+="    { \"peerId\": \"$p\", \"publicKey\": \"$pub\", \"organization\": \"${orgs[$i]}\", \"kind\": \"${kinds[$i]}\", \"apiUrl\": \"$url\" }"
  [ "$i" -lt 2 ] && members+=","
  members+=$'\n'
done
eps=$(echo "$endpoints" | sed 's/,/", "/g')
cat > "$dir/consortium.json" <<JSON
{
  "name": "medledger-demo",
  "threshold": 2,
  "members": [
$members  ],
  "etcd": { "endpoints": ["$eps"], "caFile": "etcd/pki/ca.pem" }
}
JSON

for i in 0 1 2; do
  p=${peers[$i]}
  o="$dir/orgs/$p"
  if [ -f "$o/server.pid" ] && kill -0 "$(cat "$o/server.pid")" 2>/dev/null; then continue; fi
  MEDLEDGER_DEMO_HISTORIES=0 nohup dotnet "$cli" serve --demo --data "$o/data" --urls "$(cat "$o/url")" \
    --consortium "$dir/consortium.json" --peer "$p" --peer-key "$o/peer-key.pem" \
    --etcd-cert "$dir/etcd/pki/client-$p.pem" --etcd-key "$dir/etcd/pki/client-$p-key.pem" > "$o/server.log" 2>&1 &
  echo $! > "$o/server.pid"
done

# Ready when each server has written its demo world (bounded: 10 minutes on a slow machine).
for p in "${peers[@]}"; do
  o="$dir/orgs/$p"
  for _ in $(seq 1 1200); do
    [ -f "$o/data/demo-users.json" ] && break
    kill -0 "$(cat "$o/server.pid")" 2>/dev/null || { echo "server $p exited; see $o/server.log:" >&2; tail -20 "$o/server.log" >&2; exit 1; }
    sleep 0.5
  done
  [ -f "$o/data/demo-users.json" ] || { echo "server $p did not seed its demo world in time; see $o/server.log" >&2; exit 1; }
done
echo "consortium medledger-demo up (consortium file $dir/consortium.json; etcd $endpoints)"
for i in 0 1 2; do
  p=${peers[$i]}
  echo "  ${orgs[$i]} ($p): $(cat "$dir/orgs/$p/url")   accounts: $dir/orgs/$p/data/demo-users.json"
done
echo "stop with: scripts/consortium.sh stop $dir"
