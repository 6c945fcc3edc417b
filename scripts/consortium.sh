#!/usr/bin/env bash
# A consortium on 127.0.0.1 (issue 14, docs/ledger.md "Running a consortium"): three etcd members ordering one shared
# ledger and three organisations' servers — two hospitals and an insurer — each with its own SQLite database, peer
# key and etcd client certificate, each seeded with its own small demo world through the SDK over its API.
#   scripts/consortium.sh start  <dir> [etcd-base-port] [api-base-port]   # defaults 23890 and 5181 (5181, 5182, 5183)
#   scripts/consortium.sh stop   <dir>
#   scripts/consortium.sh status <dir>
#   scripts/consortium.sh join   <dir> <peer-id>   # a new organisation joins the running consortium (see below)
# Everything lives under <dir>: consortium.json (shared, public), etcd/ (members, CA, client certs), and per
# organisation orgs/<peer>/ (peer-key.pem, data/, server.log, server.pid). Processes end by their recorded pids.
# Set MEDLEDGER_SKIP_BUILD=1 to use the binaries already built (tests do).
# Set MEDLEDGER_CONSORTIUM_DB=postgres to give each organisation its own PostgreSQL database (one local PostgreSQL 15
# cluster under <dir>/pg on 127.0.0.1, port etcd-base-port + 100, fsync on) instead of its own SQLite file.
set -euo pipefail
cmd=${1:?usage: consortium.sh start|stop|status|join <dir> [etcd-base-port] [api-base-port] | join <dir> <peer-id>}
dir=${2:?data folder}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
peers=(hospital-a hospital-b insurer)
orgs=("Northside General Hospital" "Riverside Teaching Hospital" "Mutual Health Insurance")
kinds=(hospital hospital insurer)

pgbin=/usr/lib/postgresql/15/bin
# initdb and pg_ctl refuse root: run them as the postgres user on a folder it owns.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_postgres() {
  [ -f "$dir/pg/data/postmaster.pid" ] || return 0
  as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast -w stop > /dev/null || true
}

# The organisations started here plus any that joined later (orgs/<peer>/joined).
all_peers() {
  printf '%s\n' "${peers[@]}"
  for j in "$dir"/orgs/*/joined; do [ -f "$j" ] && basename "$(dirname "$j")"; done
  return 0
}

stop_servers() {
  for p in $(all_peers); do
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
    stop_postgres
    bash "$repo/scripts/etcd-cluster.sh" stop "$dir/etcd"
    echo "consortium in $dir stopped"
    exit 0 ;;
  status)
    for p in $(all_peers); do
      url=$(cat "$dir/orgs/$p/url" 2>/dev/null || echo "?")
      if [ -f "$dir/orgs/$p/server.pid" ] && kill -0 "$(cat "$dir/orgs/$p/server.pid")" 2>/dev/null; then state=running; else state=stopped; fi
      health=$(curl -s -o /dev/null -w '%{http_code}' "$url/health" 2>/dev/null || true)
      echo "$p  $state  $url  health ${health:-none}"
    done
    for i in 1 2 3; do
      if [ -f "$dir/etcd/m$i.pid" ] && kill -0 "$(cat "$dir/etcd/m$i.pid")" 2>/dev/null; then echo "etcd m$i running"; else echo "etcd m$i stopped"; fi
    done
    if [ -d "$dir/pg/data" ]; then
      if as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" status > /dev/null 2>&1; then echo "postgresql running"; else echo "postgresql stopped"; fi
    fi
    exit 0 ;;
  join)
    # A new organisation (not in consortium.json) joins the running consortium (docs/ledger.md "Joining"): its own peer
    # key, its etcd user (etcd-cluster.sh add-user), the approvals of two running members' platform admins through the
    # CLI as an operator would give them (k = 2 of the three in the file), then its server on an empty folder with
    # --join at hospital-a and --demo (its admin, a hospital world named "(admitted after genesis)").
    new=${3:?usage: consortium.sh join <dir> <peer-id>}
    [[ "$new" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || { echo "peer id must be 1-64 of [A-Za-z0-9._-]" >&2; exit 2; }
    for p in "${peers[@]}"; do [ "$p" != "$new" ] || { echo "$new is a founding member" >&2; exit 2; }; done
    o="$dir/orgs/$new"
    [ ! -d "$o/data" ] || { echo "$o/data exists: $new has joined already (stop it, or delete the folder to join afresh)" >&2; exit 2; }
    cli="$repo/src/MedLedger.Cli/bin/Release/net10.0/medledger.dll"
    [ -f "$cli" ] || { echo "no $cli; run start first" >&2; exit 1; }
    mkdir -p "$o"
    if [ ! -f "$o/peer-key.pem" ]; then
      (umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$o/peer-key.pem" 2>/dev/null)
    fi
    pub=$(openssl ec -in "$o/peer-key.pem" -pubout -outform DER 2>/dev/null | tail -c 65 | base64 -w0)
    [ -f "$dir/etcd/pki/client-$new.pem" ] || bash "$repo/scripts/etcd-cluster.sh" add-user "$dir/etcd" "$new"
    # Each approver signs in as its platform admin (password and a TOTP code from its demo-users.json); the CLI keeps
    # that session in its own MEDLEDGER_HOME under the new organisation's folder, not in the operator's profile.
    totp() { python3 -c 'import base64,hmac,hashlib,struct,sys,time
k=base64.b32decode(sys.argv[1].upper()+"="*(-len(sys.argv[1])%8)); h=hmac.new(k,struct.pack(">Q",int(time.time())//30),hashlib.sha1).digest()
o=h[-1]&15; print("%06d"%((struct.unpack(">I",h[o:o+4])[0]&0x7fffffff)%1000000))' "$1"; }
    for approver in hospital-a hospital-b; do
      users="$dir/orgs/$approver/data/demo-users.json"
      [ -f "$users" ] || { echo "no $users: is the consortium running (consortium.sh start)?" >&2; exit 1; }
      email=$(jq -r '.[] | select(.role == "PlatformAdmin") | .email' "$users")
      MEDLEDGER_HOME="$o/cli-$approver" MEDLEDGER_PASSWORD=$(jq -r '.[] | select(.role == "PlatformAdmin") | .password' "$users") \
        MEDLEDGER_OTP=$(totp "$(jq -r '.[] | select(.role == "PlatformAdmin") | .totpSecret' "$users")") \
        dotnet "$cli" consortium approve --url "$(cat "$dir/orgs/$approver/url")" --email "$email" --peer-id "$new" --public-key "$pub" < /dev/null
    done
    # The next API port after every organisation's so far.
    port=$(cat "$dir"/orgs/*/url 2>/dev/null | sed 's/.*://' | sort -n | tail -1)
    echo "http://127.0.0.1:$((port + 1))" > "$o/url"
    touch "$o/joined"
    MEDLEDGER_DEMO_HISTORIES=0 nohup dotnet "$cli" serve --demo --data "$o/data" --urls "$(cat "$o/url")" \
      --consortium "$dir/consortium.json" --peer "$new" --peer-key "$o/peer-key.pem" \
      --etcd-cert "$dir/etcd/pki/client-$new.pem" --etcd-key "$dir/etcd/pki/client-$new-key.pem" \
      --join "$(cat "$dir/orgs/hospital-a/url")" > "$o/server.log" 2>&1 &
    echo $! > "$o/server.pid"
    for _ in $(seq 1 1200); do
      [ -f "$o/data/demo-users.json" ] && break
      kill -0 "$(cat "$o/server.pid")" 2>/dev/null || { echo "server $new exited; see $o/server.log:" >&2; tail -20 "$o/server.log" >&2; exit 1; }
      sleep 0.5
    done
    [ -f "$o/data/demo-users.json" ] || { echo "server $new did not seed its demo world in time; see $o/server.log" >&2; exit 1; }
    echo "$new joined: $(cat "$o/url")   accounts: $o/data/demo-users.json"
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

# PostgreSQL (optional): one local cluster, one database per organisation; each server's ledger and rows live there.
db=${MEDLEDGER_CONSORTIUM_DB:-sqlite}
pg_port=$((etcd_base + 100))
if [ "$db" = postgres ]; then
  if [ ! -x "$pgbin/initdb" ]; then
    echo "PostgreSQL 15 server binaries missing; installing (needs root)…"
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15
  fi
  if [ ! -f "$dir/pg/data/PG_VERSION" ]; then
    mkdir -p "$dir/pg"
    # The postgres user must be able to reach its folder.
    chmod o+x "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/pg"
    as_pg "$pgbin/initdb" -D "$dir/pg/data" -U postgres --auth=trust --encoding=UTF8 > "$dir/pg/initdb.log"
  fi
  if ! as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" status > /dev/null 2>&1; then
    as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log.txt" -w -t 60 \
      -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=300" start > /dev/null
  fi
  for p in "${peers[@]}"; do
    name="medledger_${p//-/_}"
    if ! "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
      "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$name"
    fi
  done
elif [ "$db" != sqlite ]; then
  echo "MEDLEDGER_CONSORTIUM_DB must be sqlite or postgres" >&2; exit 2
fi

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
  if [ "$db" = postgres ]; then
    export Storage__Provider=Postgres
    export Storage__ConnectionString="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=medledger_${p//-/_}"
  fi
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
echo "consortium medledger-demo up (consortium file $dir/consortium.json; etcd $endpoints; databases: $db)"
for i in 0 1 2; do
  p=${peers[$i]}
  echo "  ${orgs[$i]} ($p): $(cat "$dir/orgs/$p/url")   accounts: $dir/orgs/$p/data/demo-users.json"
done
echo "stop with: scripts/consortium.sh stop $dir"
