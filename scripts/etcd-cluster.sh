#!/usr/bin/env bash
# A 3-member etcd cluster on 127.0.0.1 for the consortium orderer (issue 14, docs/ledger.md "Ordering on etcd").
#   scripts/etcd-cluster.sh start <dir> [base-port] [peer-id...]   # default base 23790, peers peer-a peer-b peer-c
#   scripts/etcd-cluster.sh stop  <dir>
#   scripts/etcd-cluster.sh kill-member <dir> <1|2|3>              # ends one member by its pid (failure tests)
#   scripts/etcd-cluster.sh add-user <dir> <peer-id>               # a new organisation's client cert + etcd user/role (running cluster)
# Member i listens for clients on base+2(i-1) and for members on base+2(i-1)+1. Everything (CA, certificates,
# data, logs, pids) lives under <dir>. Each member fsyncs its Raft log (etcd's default; never
# --unsafe-no-fsync), uses pre-vote, checks for corruption at start and periodically, and talks mutual TLS to
# members and clients. Auth (RBAC) is on: a client's certificate CN is its etcd user, and a peer's user may
# write only under /medledger/ordering/envelopes/<peer-id>/ and /medledger/certificates/<peer-id>/ (its block
# signatures), and may read all envelopes and all certificates.
set -euo pipefail
cmd=${1:?usage: etcd-cluster.sh start|stop|kill-member <dir> ...}
dir=${2:?data folder}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
PREFIX=/medledger/ordering/envelopes/
CERTIFICATES=/medledger/certificates/
APPLIED=/medledger/applied/

if [ "$cmd" = stop ]; then
  for i in 1 2 3; do
    if [ -f "$dir/m$i.pid" ]; then
      pid=$(cat "$dir/m$i.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/m$i.pid"
    fi
  done
  exit 0
fi
if [ "$cmd" = kill-member ]; then
  i=${3:?member 1-3}
  pid=$(cat "$dir/m$i.pid")
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/m$i.pid"
  exit 0
fi
case "$cmd" in start|add-user) ;; *) echo "unknown command $cmd" >&2; exit 2 ;; esac
if [ "$cmd" = add-user ]; then
  new_peer=${3:?peer id}
  [[ "$new_peer" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || { echo "peer id must be 1-64 of [A-Za-z0-9._-]" >&2; exit 2; }
  [ -f "$dir/rbac.done" ] && [ -f "$dir/endpoints" ] || { echo "no cluster set up in $dir (run start first)" >&2; exit 1; }
fi
base=${3:-23790}
shift 3 2>/dev/null || shift $#
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(peer-a peer-b peer-c)

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
  # One installer at a time (tests start clusters side by side); the others wait, then find it installed.
  exec 9>"${TMPDIR:-/tmp}/medledger-etcd-install.lock"
  flock 9
  if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
    echo "etcd missing; installing Debian's etcd-server and etcd-client (needs root)…" >&2
    apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y etcd-server etcd-client >&2
  fi
  flock -u 9
  exec 9>&-
fi

# ---- certificates: one CA; each member's cert serves both members and clients; one client cert per peer + root ----
pki="$dir/pki"
mkdir -p "$pki"
if [ ! -f "$pki/ca.pem" ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/ca-key.pem" 2>/dev/null
  openssl req -x509 -new -key "$pki/ca-key.pem" -sha256 -days 3650 -subj "/CN=medledger-etcd-ca" -out "$pki/ca.pem" 2>/dev/null
fi
issue() { # name cn ext-usage [san]
  local name=$1 cn=$2 usage=$3 san=${4:-}
  [ -f "$pki/$name.pem" ] && return 0
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$name-key.pem" 2>/dev/null
  openssl req -new -key "$pki/$name-key.pem" -subj "/CN=$cn" -out "$pki/$name.csr" 2>/dev/null
  { echo "extendedKeyUsage=$usage"; [ -n "$san" ] && echo "subjectAltName=$san"; } > "$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca-key.pem" -CAcreateserial -days 3650 -sha256 \
    -extfile "$pki/$name.ext" -out "$pki/$name.pem" 2>/dev/null
  # PKCS#8 so .NET's X509Certificate2.CreateFromPemFile reads it alongside the certificate.
  openssl pkcs8 -topk8 -nocrypt -in "$pki/$name-key.pem" -out "$pki/$name-key.p8.pem"
  mv "$pki/$name-key.p8.pem" "$pki/$name-key.pem"
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}
ctl() { ETCDCTL_API=3 etcdctl --endpoints "$endpoints" --cacert "$pki/ca.pem" --cert "$pki/root.pem" --key "$pki/root-key.pem" --command-timeout 5s "$@"; }
# A peer's user (= its certificate's CN) writes only its own envelope, certificate and applied keys; reads all of them.
grant_peer() {
  local p=$1
  ctl user add "$p" --no-password >/dev/null 2>&1 || ctl user add "$p" --new-user-password "$(openssl rand -hex 16)" >/dev/null
  ctl role add "$p" >/dev/null
  ctl role grant-permission "$p" --prefix=true readwrite "$PREFIX$p/" >/dev/null
  ctl role grant-permission "$p" --prefix=true read "$PREFIX" >/dev/null
  ctl role grant-permission "$p" --prefix=true readwrite "$CERTIFICATES$p/" >/dev/null
  ctl role grant-permission "$p" --prefix=true read "$CERTIFICATES" >/dev/null
  # Applied revisions (compaction never passes the lowest): write its own key, read everyone's.
  ctl role grant-permission "$p" readwrite "$APPLIED$p" >/dev/null
  ctl role grant-permission "$p" --prefix=true read "$APPLIED" >/dev/null
  ctl user grant-role "$p" "$p" >/dev/null
}
if [ "$cmd" = add-user ]; then
  # A new organisation admitted by consortium.add-peer: same CA, same grants as the peers named at start.
  issue "client-$new_peer" "$new_peer" clientAuth
  endpoints=$(cat "$dir/endpoints")
  if ctl user get "$new_peer" >/dev/null 2>&1; then echo "etcd user $new_peer exists already" >&2; exit 1; fi
  grant_peer "$new_peer"
  echo "etcd user $new_peer: client cert $pki/client-$new_peer.pem, key $pki/client-$new_peer-key.pem"
  exit 0
fi
for i in 1 2 3; do issue "member$i" "member$i" "serverAuth,clientAuth" "IP:127.0.0.1,DNS:localhost"; done
issue root root clientAuth
for p in "${peers[@]}"; do issue "client-$p" "$p" clientAuth; done

cluster=""
for i in 1 2 3; do cluster+="m$i=https://127.0.0.1:$((base + 2 * (i - 1) + 1)),"; done
cluster=${cluster%,}
endpoints=""
for i in 1 2 3; do endpoints+="https://127.0.0.1:$((base + 2 * (i - 1))),"; done
endpoints=${endpoints%,}

state=new
[ -d "$dir/m1/member" ] && state=existing
for i in 1 2 3; do
  if [ -f "$dir/m$i.pid" ] && kill -0 "$(cat "$dir/m$i.pid")" 2>/dev/null; then continue; fi
  cport=$((base + 2 * (i - 1))); pport=$((cport + 1))
  # Request limit: an envelope is < 1 MiB; 1.5 MiB leaves room for the key and Txn framing.
  etcd --name "m$i" --data-dir "$dir/m$i" \
    --listen-client-urls "https://127.0.0.1:$cport" --advertise-client-urls "https://127.0.0.1:$cport" \
    --listen-peer-urls "https://127.0.0.1:$pport" --initial-advertise-peer-urls "https://127.0.0.1:$pport" \
    --initial-cluster "$cluster" --initial-cluster-state "$state" --initial-cluster-token medledger-orderer \
    --pre-vote --experimental-initial-corrupt-check --experimental-corrupt-check-time 1m \
    --max-request-bytes 1572864 --auto-compaction-retention 0 \
    --client-cert-auth --trusted-ca-file "$pki/ca.pem" --cert-file "$pki/member$i.pem" --key-file "$pki/member$i-key.pem" \
    --peer-client-cert-auth --peer-trusted-ca-file "$pki/ca.pem" --peer-cert-file "$pki/member$i.pem" --peer-key-file "$pki/member$i-key.pem" \
    --logger zap --log-outputs "$dir/m$i.log" >/dev/null 2>&1 &
  echo $! > "$dir/m$i.pid"
done

ok=""
# Bounded in time, not in tries: each try may wait out its 5 s command timeout.
deadline=$((SECONDS + 90))
while (( SECONDS < deadline )); do
  if ctl endpoint health >/dev/null 2>&1 || ctl --user root:x endpoint health >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.2
done
[ -n "$ok" ] || { echo "etcd cluster did not become healthy in 90 s; logs in $dir/m*.log:" >&2; tail -n 20 "$dir"/m*.log >&2 || true; exit 1; }

# ---- RBAC: once. root needs a password to exist, but clients authenticate by certificate CN, never by password ----
if [ ! -f "$dir/rbac.done" ]; then
  ctl user add root --new-user-password "$(openssl rand -hex 16)" >/dev/null
  ctl role add root >/dev/null 2>&1 || true
  ctl user grant-role root root >/dev/null
  for p in "${peers[@]}"; do grant_peer "$p"; done
  ctl auth enable >/dev/null
  touch "$dir/rbac.done"
fi
echo "$endpoints" > "$dir/endpoints"
echo "etcd cluster up: $endpoints (CA $pki/ca.pem, client certs $pki/client-<peer>.pem)"
