# SPDX-License-Identifier: BSD-3-Clause
"""ipoib-bench's report: the Markdown tables, the targets and the plots
of a results dict (usertools/ipoib-bench)."""

import os


def log(msg):
    """Print a progress line on stderr."""
    import sys
    print("ipoib-bench: " + msg, file=sys.stderr, flush=True)


def fmt(s, scale=1.0, digits=2):
    """Format a stats dict as 'median (min..max)'."""
    if s is None:
        return "n/a"
    f = "%%.%df" % digits
    return (f % (s["median"] * scale) + " (" + f % (s["min"] * scale) +
            ".." + f % (s["max"] * scale) + ")")


# The targets (reported, never asserted): instructions per packet of the
# cost scenario, absolute and as a multiple of net_memif's
COST_TARGETS = {"net_ipoib raw": (250, 0.75), "net_ipoib eth": (330, 1.0)}
PEERS_MAX_VS_16 = 1.5
CHURN_MIN = 0.9
HCA_MIN_MPPS = 15


def target(tgt, tid, name, figure, ratio, goal, ok):
    """Append a target to tgt: its id, what, the figure, its ratio to
    the reference, the goal, and met (True, False, None: not measured)."""
    tgt.append({"id": tid, "target": name, "figure": figure,
                "ratio": ratio, "goal": goal, "met": ok})


def with_unmeasured(tgt):
    """tgt with every target of a scenario not run (or failed) added as
    not measured, in the order of a full run."""
    every = [("%s-%s" % (k, v),
              "%s net_ipoib %s: Mpps per busy core, 64 B" % (k, v),
              ">= 1.0x memif") for k in ("fwd", "appfwd")
             for v in ("raw", "eth")]
    every += [("cost-" + n.split()[-1], "%s: instr/pkt rx+tx (cost)" % n,
               "<= %d (%.2fx memif)" % g) for n, g in COST_TARGETS.items()]
    every += [("empty-" + n.split()[-1], "%s: empty poll instr (cost)" % n,
               "<= memif's") for n in COST_TARGETS]
    every += [("hca", "soft HCA: Mpps per data path thread, 64 B (hca)",
               ">= %d Mpps" % HCA_MIN_MPPS),
              ("peer-scale", "peer scale: ns/packet at 65535 peers (peers)",
               "<= %.1fx 16 peers" % PEERS_MAX_VS_16),
              ("churn", "lookup rate under churn: M lookups/s (peers)",
               ">= %.1fx without" % CHURN_MIN)]
    have = {t["id"]: t for t in tgt}
    return [have.get(tid, {"id": tid, "target": name, "figure": "n/a",
                           "ratio": "n/a", "goal": goal, "met": None})
            for tid, name, goal in every]


def targets_table(tgt):
    """The Markdown table of the targets."""
    L = ["| target | figure | ratio | goal | |", "|---|---|---|---|---|"]
    for t in tgt:
        L.append("| %s | %s | %s | %s | %s |" % (
            t["target"], t["figure"], t["ratio"], t["goal"],
            "not measured" if t["met"] is None else
            "met" if t["met"] else "not met"))
    return L


def fwd_table(res, title):
    """Markdown table of a forwarding scenario."""
    lines = ["### " + title, "",
             "| PMD | size (B) | Mpps | Gbit/s | busy cores | Mpps/core |"
             " per core vs memif | notes |",
             "|---|---|---|---|---|---|---|---|"]
    for name, per in res.get("pmds", {}).items():
        for size, f in per.items():
            lines.append("| %s | %s | %s | %s | %d | %s | %s | %s |" % (
                name, size, fmt(f["mpps"]), fmt(f["gbps"]),
                f["busy_cores"], fmt(f["mpps_per_core"]),
                fmt(f["per_core_vs_memif"]), ", ".join(f["notes"])))
    return lines + [""]


def report(results, level):
    """The Markdown report (table, targets) of a results dict."""
    la0 = results.get("machine", {}).get("loadavg")
    la1 = results.get("loadavg_end")
    L = ["# ipoib-bench results (%s)" % level, "",
         "%.0f s; load average (1, 5, 15 min) at the start %s, at the end"
         " %s, on %s CPUs." % (
             results.get("seconds", 0),
             "/".join("%.2f" % x for x in la0) if la0 else "n/a",
             "/".join("%.2f" % x for x in la1) if la1 else "n/a",
             results.get("machine", {}).get("cpus", "?")), "",
         "Every figure: median (min..max) over the samples; ratios are"
         " taken within one round.", ""]
    tgt = []
    if "fwd" in results:
        L += fwd_table(results["fwd"], "Forwarding, stock dpdk-testpmd io"
                       " (two ports, tx_first)")
    if "appfwd" in results:
        L += fwd_table(results["appfwd"], "Forwarding, bench-pmd fwd"
                       " (two ports, one lcore, readdressing with tags)")
    for key in ("fwd", "appfwd"):
        for name, per in results.get(key, {}).get("pmds", {}).items():
            if name.startswith("net_ipoib") and 64 in per:
                r = per[64]["per_core_vs_memif"]
                target(tgt, "%s-%s" % (key, name.split()[-1]),
                       "%s %s: Mpps per busy core, 64 B" % (key, name),
                       fmt(per[64]["mpps_per_core"]),
                       "%s x memif" % fmt(r), ">= 1.0x memif",
                       None if r is None else r["median"] >= 1)
    c = results.get("cost")
    if c:
        L += ["### PMD cost per packet (callgrind, rx+tx bursts)", "",
              "instr: callgrind, bench-pmd cost, 64 B: every counted"
              " burst carries exactly 32 packets, made ready before it is"
              " received; instr/pkt = (rx + tx instructions) / packets;"
              " the empty poll is a figure of its own, in no other"
              " column. cycles: TSC cycles"
              " in the bursts of the bench-pmd fwd runs at 64 B above,"
              " native, bursts of any size (perf stat has no hardware"
              " counters in"
              " this virtual machine).", "",
              "| PMD | instr/pkt rx | instr/pkt tx | instr/pkt rx+tx |"
              " vs memif | empty poll (instr) | cycles/pkt rx+tx |",
              "|---|---|---|---|---|---|---|"]
        app = results.get("appfwd", {}).get("pmds", {})
        for name, r in c.items():
            if not isinstance(r, dict) or "per_pkt" not in r:
                L.append("| %s | error | | | | | |" % name)
                continue
            cyc = app.get(name, {}).get(64, {}).get("tsc_per_pkt")
            L.append("| %s | %.0f | %.0f | %.0f | %.2f | %.0f | %s |" % (
                name, r["rx_per_pkt"], r["tx_per_pkt"], r["per_pkt"],
                r.get("vs_memif", 0), r["ir_empty_poll"],
                fmt(cyc, digits=0)))
        L.append("")
        memif = c.get("net_memif", {})
        for name, (goal, goal_x) in COST_TARGETS.items():
            r = c.get(name)
            if r is None:
                continue
            ok = "per_pkt" in r and "vs_memif" in r
            target(tgt, "cost-" + name.split()[-1],
                   "%s: instr/pkt rx+tx (cost)" % name,
                   "%.1f" % r["per_pkt"] if ok else "n/a",
                   "%.2fx memif" % r["vs_memif"] if ok else "n/a",
                   "<= %d (%.2fx memif)" % (goal, goal_x),
                   r["per_pkt"] <= goal if ok else None)
        for name in COST_TARGETS:
            r = c.get(name)
            if r is None:
                continue
            ok = "ir_empty_poll" in r and "ir_empty_poll" in memif
            target(tgt, "empty-" + name.split()[-1],
                   "%s: empty poll instr (cost)" % name,
                   "%.0f" % r["ir_empty_poll"] if ok else "n/a",
                   "%.2fx memif" % (r["ir_empty_poll"] /
                                   memif["ir_empty_poll"]) if ok else "n/a",
                   "<= memif's (%.0f)" % memif["ir_empty_poll"] if ok
                   else "<= memif's",
                   r["ir_empty_poll"] <= memif["ir_empty_poll"] if ok
                   else None)
    h = results.get("hca")
    if h:
        L += ["### Soft HCA alone (hcasim-perf, one data path thread) vs"
              " memcpy", "",
              "| size (B) | hcasim Mpps | hcasim GB/s | memcpy Mpps |"
              " memcpy GB/s | hcasim/memcpy |", "|---|---|---|---|---|---|"]
        for size, s in h["sizes"].items():
            L.append("| %s | %s | %s | %s | %s | %s |" % (
                size, fmt(s["hca_mpps"]), fmt(s["hca_gbytes"]),
                fmt(s["memcpy_mpps"]), fmt(s["memcpy_gbytes"]),
                fmt(s["vs_memcpy"])))
        L.append("")
        s64 = h["sizes"].get(64, {}).get("hca_mpps")
        target(tgt, "hca",
               "soft HCA: Mpps per data path thread, 64 B (hca)",
               fmt(s64), "%s x memcpy" % fmt(h["sizes"].get(64, {}).get(
                   "vs_memcpy")), ">= %d Mpps" % HCA_MIN_MPPS,
               None if s64 is None else s64["median"] >= HCA_MIN_MPPS)
    lt = results.get("latency")
    if lt:
        L += ["### Latency, one-packet ping-pong round trip (bench-pmd)", "",
              "| PMD | p50 (us) | p99 (us) | p50 vs memif |",
              "|---|---|---|---|"]
        for name, s in lt["pmds"].items():
            L.append("| %s | %s | %s | %s |" % (
                name, fmt(s["p50_us"]), fmt(s["p99_us"]),
                fmt(s["p50_vs_memif"])))
        L.append("")
    pe = results.get("peers")
    if pe and "ns_16_s" in pe:
        pops = pe["populations"]
        L += ["### Peer cache (bench-peers, microbenchmark of the burst"
              " lookups)", "",
              "| peers | ns/packet (reader CPU time) | vs 16 |",
              "|---|---|---|",
              "| %d | %s | 1 |" % (pops[0], fmt(pe["ns_16_s"])),
              "| %d | %s | %s |" % (pops[1], fmt(pe["ns_1k_s"]),
                                    fmt(pe["k1_vs_16"])),
              "| %d | %s | %s |" % (pops[2], fmt(pe["ns_max_s"]),
                                    fmt(pe["max_vs_16"])), "",
              "| reader | M lookups/s (wall clock) |"
              " M lookups/s (reader CPU time) |", "|---|---|---|",
              "| no writer | %s | %s |" % (fmt(pe["reader_quiet_s"]),
                                          fmt(pe["reader_quiet_cpu_s"])),
              "| churning writer | %s | %s |" % (
                  fmt(pe["reader_churn_s"]), fmt(pe["reader_churn_cpu_s"])),
              "| ratio (same round) | %s | %s |" % (
                  fmt(pe["churn_vs_quiet"]), fmt(pe["churn_vs_quiet_cpu"])),
              ""]
        target(tgt, "peer-scale",
               "peer scale: ns/packet at %d peers (peers)" % pops[2],
               fmt(pe["ns_max_s"]), "%s x %d peers" % (
                   fmt(pe["max_vs_16"]), pops[0]),
               "<= %.1fx %d peers" % (PEERS_MAX_VS_16, pops[0]),
               pe["max_vs_16"]["median"] <= PEERS_MAX_VS_16)
        target(tgt, "churn",
               "lookup rate under churn, reader CPU time: M lookups/s"
               " (peers)",
               fmt(pe["reader_churn_cpu_s"]), "%s x without" %
               fmt(pe["churn_vs_quiet_cpu"]),
               ">= %.1fx without" % CHURN_MIN,
               pe["churn_vs_quiet_cpu"]["median"] >= CHURN_MIN)
    elif pe:
        L += ["### Peer cache: error", ""]
    tc = results.get("tcp")
    if tc and tc.get("lso") and tc.get("no_lso"):
        L += ["### TCP stream, net_ipoib raw (bench-pmd tcp, MSS %d,"
              " checksums offloaded)" % tc["mss"], "",
              "| sends | payload Gbit/s |", "|---|---|",
              "| MSS-sized | %s |" % fmt(tc["no_lso"]),
              "| 64 KiB with LSO | %s |" % fmt(tc["lso"]), ""]
    elif tc:
        L += ["### TCP stream: error", ""]
    L += ["### Targets (reported, not asserted)", "",
          "figure: median (min..max); ratio: to the reference measured in"
          " the same run (forwarding: in the same round); met when the"
          " median meets the goal. Instructions (cost) do not depend on"
          " the load; Mpps, ns and lookup rates do.", ""]
    tgt = with_unmeasured(tgt)
    L += targets_table(tgt) + [""]
    results["targets"] = tgt
    return "\n".join(L)


def save(fig, plt, outdir, name, made):
    """Write a figure as outdir/name.png and close it."""
    path = os.path.join(outdir, name + ".png")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    made.append(path)


def errbars(values):
    """Matplotlib yerr (below, above) of a list of stats dicts."""
    return [[v["median"] - v["min"] for v in values],
            [v["max"] - v["median"] for v in values]]


def plot_fwd(res, key, plt, outdir, made):
    """Mpps per busy core by size, one line per PMD."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, per in res["pmds"].items():
        xs = [s for s in per if per[s]["mpps_per_core"]]
        vals = [per[s]["mpps_per_core"] for s in xs]
        ax.errorbar([str(x) for x in xs], [v["median"] for v in vals],
                    yerr=errbars(vals), marker="o", label=name, capsize=3)
    ax.set_yscale("log")
    ax.set_xlabel("packet size (bytes)")
    ax.set_ylabel("Mpps per busy core")
    ax.set_title("forwarding (%s)" % key)
    ax.legend(fontsize=8)
    save(fig, plt, outdir, key, made)


def plot_hca(h, plt, outdir, made):
    """Soft HCA and memcpy bytes/s by size."""
    fig, ax = plt.subplots(figsize=(7, 4))
    sizes = [s for s in h["sizes"] if h["sizes"][s]["hca_gbytes"]]
    ax.plot(sizes, [h["sizes"][s]["hca_gbytes"]["median"] for s in sizes],
            marker="o", label="hcasim")
    ms = [s for s in h["sizes"] if h["sizes"][s]["memcpy_gbytes"]]
    ax.plot(ms, [h["sizes"][s]["memcpy_gbytes"]["median"] for s in ms],
            marker="s", label="memcpy")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("payload (bytes)")
    ax.set_ylabel("GB/s")
    ax.set_title("soft HCA alone vs memcpy")
    ax.legend()
    save(fig, plt, outdir, "hca", made)


def plot_cost(c, plt, outdir, made):
    """Instructions per packet, rx and tx stacked, per PMD."""
    names = [n for n, r in c.items() if isinstance(r, dict) and
             "per_pkt" in r]
    if not names:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    rx = [c[n]["rx_per_pkt"] for n in names]
    tx = [c[n]["tx_per_pkt"] for n in names]
    ax.bar(names, rx, label="rx burst")
    ax.bar(names, tx, bottom=rx, label="tx burst")
    ax.set_ylabel("instructions per packet (callgrind)")
    ax.set_title("PMD cost per packet, 64 B")
    ax.legend()
    save(fig, plt, outdir, "cost", made)


def plot_latency(lt, plt, outdir, made):
    """Round trip p50 and p99 per PMD."""
    names = [n for n, s in lt["pmds"].items() if s["p50_us"]]
    if not names:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = range(len(names))
    for off, key in ((-0.2, "p50_us"), (0.2, "p99_us")):
        vals = [lt["pmds"][n][key] for n in names]
        ax.bar([x + off for x in xs], [v["median"] for v in vals],
               width=0.4, yerr=errbars(vals), capsize=3,
               label=key.split("_")[0])
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names)
    ax.set_ylabel("round trip (us)")
    ax.set_title("one-packet ping-pong")
    ax.legend()
    save(fig, plt, outdir, "latency", made)


def plot_peers(pe, plt, outdir, made):
    """ns per packet by peer population, and the churn ratio."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 4))
    vals = [pe["ns_16_s"], pe["ns_1k_s"], pe["ns_max_s"]]
    a1.bar([str(p) for p in pe["populations"]],
           [v["median"] for v in vals], yerr=errbars(vals), capsize=3)
    a1.set_xlabel("peers in the cache")
    a1.set_ylabel("ns per packet")
    a1.set_title("peer cache scale")
    vals = [pe["reader_quiet_s"], pe["reader_churn_s"]]
    a2.bar(["no writer", "churning writer"], [v["median"] for v in vals],
           yerr=errbars(vals), capsize=3)
    a2.set_ylabel("M lookups/s")
    a2.set_title("reader under churn")
    save(fig, plt, outdir, "peers", made)


def plots(results, outdir):
    """PNG plots of every scenario; skipped without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib not installed: no plots")
        return []
    made = []
    for key in ("fwd", "appfwd"):
        res = results.get(key)
        if res and res.get("pmds"):
            plot_fwd(res, key, plt, outdir, made)
    if results.get("hca", {}).get("sizes"):
        plot_hca(results["hca"], plt, outdir, made)
    if isinstance(results.get("cost"), dict) and \
            "error" not in results["cost"]:
        plot_cost(results["cost"], plt, outdir, made)
    if results.get("latency", {}).get("pmds"):
        plot_latency(results["latency"], plt, outdir, made)
    if "ns_16_s" in results.get("peers", {}):
        plot_peers(results["peers"], plt, outdir, made)
    return made
