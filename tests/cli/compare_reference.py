#!/usr/bin/env python3
"""Independent reference numbers for tests/cli/test_cli_compare.cpp and tests/model/test_compare.cpp.

Python standard library only; reads the shared Jaeger traces directly (no palette code involved):
the root latency of a trace is the duration of its span without a parent in the trace; an API's
latencies are the durations of its server spans. Quantiles are type 7 (statistics.quantiles
'inclusive' = numpy's default), KS and Wasserstein-1 are computed from their definitions.

    python3 tests/cli/compare_reference.py ../shared/data/traces/dsb-hotel-jaeger
"""
import bisect
import json
import statistics
import sys


def latencies(path, service=None, operation=None):
    out = []
    for trace in json.load(open(path))["data"]:
        ids = {s["spanID"] for s in trace["spans"]}
        for s in trace["spans"]:
            parents = [r for r in s.get("references") or [] if r["refType"] == "CHILD_OF" and r["spanID"] in ids]
            kind = next((t["value"] for t in s["tags"] if t["key"] == "span.kind"), "")
            if service is None:
                if not parents:
                    out.append(s["duration"])
            elif (trace["processes"][s["processID"]]["serviceName"] == service and
                  s["operationName"] == operation and kind == "server"):
                out.append(s["duration"])
    return out


def quantile(xs, p):  # type 7
    xs = sorted(xs)
    h = p * (len(xs) - 1)
    lo = int(h)
    return xs[-1] if lo + 1 >= len(xs) else xs[lo] + (h - lo) * (xs[lo + 1] - xs[lo])


def ks(a, b):
    a, b = sorted(a), sorted(b)
    return max(abs(bisect.bisect_right(a, x) / len(a) - bisect.bisect_right(b, x) / len(b)) for x in a + b)


def wasserstein(a, b):
    a, b = sorted(a), sorted(b)
    xs = sorted(set(a + b))
    return sum(abs(bisect.bisect_right(a, x) / len(a) - bisect.bisect_right(b, x) / len(b)) * (y - x)
               for x, y in zip(xs, xs[1:]))


d = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/traces/dsb-hotel-jaeger"
a = latencies(d + "/hotel_load25.jaeger.json")
b = latencies(d + "/hotel_load100.jaeger.json")
print("root 25: n", len(a), "p50", repr(quantile(a, 0.5)), "p99", repr(quantile(a, 0.99)),
      "p99.9", repr(quantile(a, 0.999)), "mean", repr(statistics.fmean(a)))
print("root 100: n", len(b), "p50", repr(quantile(b, 0.5)), "p99", repr(quantile(b, 0.99)))
print("ks(25, 100)", repr(ks(a, b)), "wasserstein_us", repr(wasserstein(a, b)))
print("p50_rel_err", repr((quantile(b, 0.5) - quantile(a, 0.5)) / quantile(a, 0.5)),
      "p99_rel_err", repr((quantile(b, 0.99) - quantile(a, 0.99)) / quantile(a, 0.99)))
s = latencies(d + "/hotel_load25.jaeger.json", "search", "/search.Search/Nearby")
print("search:/search.Search/Nearby 25: n", len(s), "sum", sum(s), "p50", repr(quantile(s, 0.5)),
      "max", max(s))
