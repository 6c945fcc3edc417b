# Sourced by bench/profile.sh and bench/crypto-count.sh: what both do around a window of perf over a macro benchmark.

# linux-perf when missing (needs root).
ensure_perf() {
  command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }
}

# The bench project, unless SKIP_BUILD=1 says the caller already built it.
build_bench() {
  [[ "${SKIP_BUILD:-0}" == 1 ]] || dotnet build bench/MedLedger.Bench -c Release -v q -nologo >/dev/null
}

# wait_for_line LOG TEXT PID: returns once LOG holds TEXT, PID has ended, or 10 minutes have passed.
wait_for_line() {
  local log="$1" text="$2" pid="$3"
  for _ in $(seq 1 1200); do
    grep -q -- "$text" "$log" && return 0
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
}
