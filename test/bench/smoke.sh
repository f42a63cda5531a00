#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# usertools/ipoib-bench --smoke into a private directory: it must exit 0
# and write results.json with every scenario present and error-free,
# and results.md with the tables.
set -u
BENCH=$1
OUT=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
"$BENCH" --smoke --no-setup --build "$IPOIB_BUILD" --out "$OUT" \
	> "$OUT/stdout" 2> "$OUT/stderr"
RC=$?
cat "$OUT/stderr"
cat "$OUT/stdout"
[ $RC -eq 0 ] || { echo "FAIL: ipoib-bench exit $RC"; exit 1; }
/usr/bin/python3 - "$OUT" <<'PY' || exit 1
import json, sys
out = sys.argv[1]
r = json.load(open(out + "/results.json"))
bad = []
for s in ("fwd", "appfwd", "cost", "hca", "latency", "peers"):
    if s not in r:
        bad.append(s + " missing")
    elif "error" in r[s]:
        bad.append(s + ": " + r[s]["error"][-200:])
# the harness itself must move packets (net_ipoib figures are reported,
# not asserted)
for name, per in r.get("fwd", {}).get("pmds", {}).items():
    if name not in ("net_memif", "net_ring"):
        continue
    for size, f in per.items():
        if not f["mpps"] or f["mpps"]["median"] <= 0:
            bad.append("fwd %s %s: no packets" % (name, size))
# every PMD of the cost scenario was measured (net_ipoib eth included),
# every counted burst whole, the empty poll apart
cost = r.get("cost", {})
for name in ("net_memif", "net_ipoib raw", "net_ipoib eth"):
    c = cost.get(name, {})
    if "per_pkt" not in c:
        bad.append("cost %s: %s" % (name, c or "missing"))
    elif c["rx_bursts"] * c["burst"] != c["packets"] or \
            c["tx_bursts"] != c["rx_bursts"] or not c["ir_empty_poll"] > 0:
        bad.append("cost %s: bursts not whole: %s" % (name, c))
# mode=eth is measured wherever raw is: forwarding (both) and latency
for key in ("fwd", "appfwd", "latency"):
    if "net_ipoib eth" not in r.get(key, {}).get("pmds", {}):
        bad.append("%s: no net_ipoib eth" % key)
lt = r.get("latency", {}).get("pmds", {}).get("net_ipoib eth", {})
if not lt.get("p50_us"):
    bad.append("latency net_ipoib eth: no round trip")
# every target is reported, with its figure, ratio, goal and verdict
tg = r.get("targets", [])
if len(tg) != 11 or any(t.get("met") is None or not t.get("goal")
                        for t in tg):
    bad.append("targets: %s" % tg)
if r.get("failed"):
    bad.append("failed: %s" % r["failed"])
md = open(out + "/results.md").read()
if "| PMD |" not in md or "Targets" not in md or "| target |" not in md:
    bad.append("results.md has no table")
print("\n".join(bad) if bad else "bench smoke: every scenario ran")
sys.exit(1 if bad else 0)
PY
