#!/usr/bin/env python3
"""Helpers of bench/soak (stdlib only).

  soak.py sample PID T PHASE     print one JSON line: the process' memory at T seconds
  soak.py report RUN_DIR OUT     the curve, the verdict and the results JSON at OUT

A sample: VmRSS, VmHWM, RssAnon (KiB), threads, and glibc's arenas estimated from
/proc/PID/maps: every non-main arena lives in its own heap, an anonymous mapping
that starts on a 64 MiB boundary (HEAP_MAX_SIZE on 64-bit) and is at most 64 MiB
long (read-write part + PROT_NONE reserve); the main arena is [heap]. Under
jemalloc or mimalloc the count means nothing (reported, not asserted).

report reads RUN_DIR/run.meta (key=value), RUN_DIR/samples.jsonl and
RUN_DIR/load/stats.json; exits 0 when every check passed, 3 otherwise:
  * no failed request of the mixed load (a status other than the expected one);
  * no growth: among the samples under load after the warm-up, the last third's
    median RSS floor <= the first third's median + slack. The floor is the least
    VmRSS of 10 reads over ~1 s, and medians, not maxima: a
    login's Argon2id hash maps 64 MiB for ~0.1 s and a wrk burst holds 64
    connections' buffers, so a single sample jumps by up to ~70 MiB whenever it
    lands on one; a leak moves the median, a spike does not. The maxima are
    reported too;
  * RSS after the load (the last sample of the settle phase) <= max_after_mib
    (0: not checked, e.g. under ASan, whose shadow memory and quarantine are not
    the server's).
"""
import json
import os
import statistics
import time
import sys

HEAP_MAX = 64 << 20


def status_kib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0])
            elif key == "Threads":
                out[key] = int(value)
    return out


def arenas(pid):
    heaps = 0
    main = 0
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            if len(parts) >= 6 and parts[5] == "[heap]":
                main = 1
            elif len(parts) == 5 and parts[1].startswith("rw") and lo % HEAP_MAX == 0 and hi - lo <= HEAP_MAX:
                heaps += 1
    return main + heaps


def sample(pid, t, phase):
    # The floor: the least VmRSS of 10 reads over ~1 s, which steps over the
    # transients (a login's 64 MiB Argon2id mapping lives ~0.1-0.3 s).
    floor = None
    for i in range(10):
        if i:
            time.sleep(0.1)
        rss = status_kib(pid).get("VmRSS", 0)
        floor = rss if floor is None else min(floor, rss)
    s = status_kib(pid)
    rec = {
        "t": round(float(t), 1),
        "phase": phase,
        "rss_kib": s.get("VmRSS", 0),
        "floor_kib": floor,
        "hwm_kib": s.get("VmHWM", 0),
        "anon_kib": s.get("RssAnon", 0),
        "threads": s.get("Threads", 0),
        "arenas": arenas(pid),
    }
    print(json.dumps(rec))


def mib(kib):
    return round(kib / 1024, 1)


def report(run_dir, out):
    meta = {}
    with open(os.path.join(run_dir, "run.meta")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    samples = []
    with open(os.path.join(run_dir, "samples.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line:
                samples.append(json.loads(line))
    try:
        with open(os.path.join(run_dir, "load", "stats.json")) as f:
            load = json.load(f)
    except (OSError, ValueError):
        load = None

    warmup = float(meta.get("warmup_s", "60"))
    slack_mib = float(meta.get("slack_mib", "8"))
    max_after = float(meta.get("max_after_mib", "64"))
    checks = []

    print(f"{'t s':>6} {'phase':<7} {'RSS MiB':>8} {'floor':>6} {'HWM MiB':>8} {'anon MiB':>8} {'threads':>7} {'arenas':>6}")
    for s in samples:
        print(f"{s['t']:>6} {s['phase']:<7} {mib(s['rss_kib']):>8} {mib(s['floor_kib']):>6} {mib(s['hwm_kib']):>8} "
              f"{mib(s['anon_kib']):>8} {s['threads']:>7} {s['arenas']:>6}")

    failed = None if load is None else load.get("failed", 0)
    checks.append({"check": "mixed load without a failed request", "ok": failed == 0,
                   "detail": "no stats.json from the load" if load is None else f"{failed} failed"})

    steady = [s for s in samples if s["phase"] == "load" and s["t"] >= warmup]
    growth = None
    if len(steady) >= 3:
        third = len(steady) // 3
        head = [s["floor_kib"] for s in steady[:third]]
        tail = [s["floor_kib"] for s in steady[-third:]]
        first, last = statistics.median(head), statistics.median(tail)
        growth = {"first_third_median_mib": mib(first), "last_third_median_mib": mib(last),
                  "first_third_max_mib": mib(max(head)), "last_third_max_mib": mib(max(tail)),
                  "slack_mib": slack_mib, "samples": len(steady)}
        checks.append({"check": "no RSS growth after the warm-up", "ok": last <= first + slack_mib * 1024,
                       "detail": f"last third median {mib(last)} MiB vs first third median {mib(first)} + "
                                 f"{slack_mib:g} MiB (maxima {mib(max(tail))} / {mib(max(head))})"})
    else:
        checks.append({"check": "no RSS growth after the warm-up", "ok": False,
                       "detail": f"only {len(steady)} samples after the {warmup:g} s warm-up (need 3)"})

    after = [s for s in samples if s["phase"] == "after"]
    after_mib = mib(after[-1]["rss_kib"]) if after else None
    if max_after > 0:
        checks.append({"check": f"RSS after the load <= {max_after:g} MiB",
                       "ok": after_mib is not None and after_mib <= max_after,
                       "detail": f"{after_mib} MiB, {after[-1]['t'] - after[0]['t'] if after else 0:g} s after the load"})
    if "server_exit" in meta:
        checks.append({"check": "SIGTERM: the server exits 0", "ok": meta["server_exit"] == "0",
                       "detail": f"exit {meta['server_exit']}"})
    if meta.get("leak_reports", "") != "":
        checks.append({"check": "no LeakSanitizer report", "ok": meta["leak_reports"] == "0",
                       "detail": f"{meta['leak_reports']} reports in the server log"})

    peak = max((s["hwm_kib"] for s in samples), default=0)
    summary = {
        "meta": meta,
        "load": load,
        "peak_hwm_mib": mib(peak),
        "rss_floor_under_load_mib": [mib(s["floor_kib"]) for s in samples if s["phase"] == "load"],
        "max_rss_under_load_mib": mib(max((s["rss_kib"] for s in samples if s["phase"] == "load"), default=0)),
        "rss_after_load_mib": after_mib,
        "growth": growth,
        "checks": checks,
        "samples": samples,
    }
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    if load is not None:
        print(f"load: reads {load['reads']}, writes {load['writes']}, login cycles {load['login_cycles']}")
        for fl in load.get("failures", [])[:5]:
            print(f"  failure: {fl}")
    print(f"peak VmHWM {mib(peak)} MiB; max RSS under load {summary['max_rss_under_load_mib']} MiB; "
          f"RSS after the load {after_mib} MiB")
    ok = True
    for c in checks:
        print(f"{'ok  ' if c['ok'] else 'FAIL'} {c['check']}: {c['detail']}")
        ok = ok and c["ok"]
    return 0 if ok else 3


def main(argv):
    if len(argv) == 5 and argv[1] == "sample":
        sample(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 4 and argv[1] == "report":
        return report(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
