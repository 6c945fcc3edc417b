"""Split of a `perf record -g -a` profile: by process and library (self time), then the inclusive share of every frame
whose name matches a pattern. Used by bench/profile.sh; stdlib only."""
import collections
import re
import subprocess
import sys

data = sys.argv[1]
pattern = re.compile(sys.argv[2] if len(sys.argv) > 2 else ".")
top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"], capture_output=True, text=True, check=True).stdout

def clean(frame):
    frame = re.sub(r"\[(OptimizedTier1OSR|OptimizedTier1|Optimized|InstrumentedTier|Tier0|Tier1|QuickJitted|PreJIT)\]", "", frame)
    return re.sub(r"\(.*\)", "()", frame).strip()[:160]

samples = 0
by_place = collections.Counter()
inclusive = collections.Counter()
comm, stack = None, []

def flush():
    global samples
    if comm is None or not stack:
        return
    samples += 1
    leaf_dso = stack[0][1]
    if leaf_dso.startswith("[JIT]") or leaf_dso.startswith("memfd:"):
        leaf_dso = "JIT-compiled .NET code"
    by_place[(re.sub(r"\s+\d+$", "", comm).strip(), leaf_dso)] += 1
    for name in {clean(f) for f, _ in stack}:
        inclusive[name] += 1

for line in script.splitlines():
    if not line.strip():
        continue
    if not line[0].isspace():
        flush()
        comm, stack = line.split(":")[0] if ":" in line else line, []
        comm = re.sub(r"\s+\d+(/\d+)?\s*$", "", comm.strip())
        continue
    m = re.match(r"\s*[0-9a-f]+\s+(.*)\s+\((.*)\)\s*$", line)
    if m:
        stack.append((m.group(1), m.group(2).rsplit("/", 1)[-1]))
flush()

print(f"samples: {samples} (cpu-clock; idle CPUs show as 'swapper')")
print("\nself time by process and library:")
for (who, dso), n in by_place.most_common(16):
    print(f"  {100 * n / samples:5.1f}%  {who:<18} {dso}")
print(f"\ninclusive, frames matching /{pattern.pattern}/ (async state-machine frames left out):")
shown = 0
for name, n in inclusive.most_common():
    if pattern.search(name) and "AsyncStateMachineBox" not in name and "AsyncMethodBuilder" not in name:
        print(f"  {100 * n / samples:5.1f}%  {name}")
        shown += 1
        if shown == top:
            break
