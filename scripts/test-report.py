#!/usr/bin/env python3
"""Reads the TRX files `dotnet test --logger trx` wrote (scripts/test.sh).

  test-report.py summary DIR          every project's counts, then each failed test with its message and the top
                                      of its stack: printed LAST, so the end of a long CI log names what failed
  test-report.py rerun-filter DIR ASM a --filter expression for the failed tests of the test assembly ASM, printed
                                      only when every failure is in ASM (exit 0); exit 1 when another assembly failed
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def runs(directory):
    for path in sorted(glob.glob(os.path.join(directory, "**", "*.trx"), recursive=True)):
        root = ET.parse(path).getroot()
        methods = {}
        for unit in root.iterfind("t:TestDefinitions/t:UnitTest", NS):
            m = unit.find("t:TestMethod", NS)
            methods[unit.get("id")] = (os.path.basename(unit.get("storage") or ""), f"{m.get('className')}.{m.get('name')}")
        results = []
        for r in root.iterfind("t:Results/t:UnitTestResult", NS):
            assembly, method = methods.get(r.get("testId"), ("?", r.get("testName")))
            message = r.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS)
            stack = r.findtext("t:Output/t:ErrorInfo/t:StackTrace", default="", namespaces=NS)
            results.append((assembly, method, r.get("testName"), r.get("outcome"), r.get("duration"), message, stack))
        yield path, results


def summary(directory):
    failed = []
    print("== test summary (from the TRX files)")
    for path, results in runs(directory):
        assemblies = sorted({a for a, *_ in results}) or [os.path.basename(path)]
        counts = {}
        for r in results:
            counts[r[3]] = counts.get(r[3], 0) + 1
        print(f"   {', '.join(assemblies)}: " + ", ".join(f"{n} {k.lower()}" for k, n in sorted(counts.items())))
        failed += [r for r in results if r[3] == "Failed"]
    if not failed:
        print("   no test failed")
        return
    print(f"== {len(failed)} failed test(s):")
    for assembly, _, name, _, duration, message, stack in failed:
        print(f"-- FAILED {name} ({assembly}, {duration})")
        for line in message.strip().splitlines()[:20]:
            print(f"   {line}")
        for line in stack.strip().splitlines()[:8]:
            print(f"   {line}")


def rerun_filter(directory, assembly):
    failed = [r for _, results in runs(directory) for r in results if r[3] == "Failed"]
    if any(r[0].lower() != assembly.lower() for r in failed):
        sys.exit(1)
    print("|".join(sorted({f"FullyQualifiedName={r[1]}" for r in failed})))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "summary":
        summary(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "rerun-filter":
        rerun_filter(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
