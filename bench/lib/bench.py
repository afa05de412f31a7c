#!/usr/bin/python3
"""Helpers of bench/run (Python 3 standard library only).

  bench.py ports N                    print N free loopback TCP ports
  bench.py report RUN_DIR OUT [ROOT]  turn one run's files into the results
                                      JSON at OUT and print the table
  bench.py check OUT                  fail unless every Cabildo row of a results
                                      file has requests and no unexpected status

RUN_DIR holds what bench/run wrote: run.meta and <scenario>.meta (key=value
lines; `scenario`, `pending` and `header` may repeat) and
wrk/<scenario>.<nginx|cabildo>.r<round>.json from bench/wrk/report.lua
(rounds 1..`rounds` of run.meta, nginx and Cabildo taking turns).

report exits 0, 1 when a ceiling is unusable (nginx answered anything but 2xx,
or a target completed no request), or 3 when Cabildo answered statuses other
than the scenario expects.
"""

import json
import os
import re
import socket
import statistics
import sys

REPEATED = {"scenario", "pending", "header"}
INTS = {"duration_s", "warmup_s", "wrk_threads", "connections", "cabildo_threads",
        "cabildo_workers", "cabildo_db_pool", "nginx_workers", "readyz_ms", "rounds",
        "rss_start_kb", "rss_after_kb", "rss_peak_kb", "cpus", "sample_status", "body_bytes"}
WRK_TIMEOUT_S = 2  # bench/run passes --timeout 2s


def read_meta(path):
    meta = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            key, _, value = line.partition("=")
            if key in REPEATED:
                meta.setdefault(key, []).append(value)
            elif key in INTS and value != "":
                meta[key] = int(value)
            else:
                meta[key] = value
    return meta


def free_ports(count):
    socks, ports = [], []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def status_matches(status, expect):
    if expect == "2xx":
        return 200 <= status <= 299
    return status == int(expect)


def measurement(path, expect):
    """One wrk report, reduced to the numbers the results file keeps."""
    with open(path, encoding="utf-8") as f:
        w = json.load(f)
    requests = int(w["requests"])
    counts = {int(k): int(v) for k, v in w.get("status_counts", {}).items()}
    exact = bool(w.get("non2xx_exact"))
    if exact:
        non2xx = sum(n for s, n in counts.items() if not 200 <= s <= 299)
        unexpected = sum(n for s, n in counts.items() if not status_matches(s, expect))
    else:
        # Without the response() hook wrk only counts statuses > 399.
        non2xx = unexpected = int(w["errors"]["status_gt_399"])
    errors = w["errors"]
    socket_errors = {k: int(errors[k]) for k in ("connect", "read", "write", "timeout")}
    lat = w["latency_us"]
    cpu = {}
    if os.path.exists(path + ".cpu"):  # bench/run's cpu_ticks before and after the round
        with open(path + ".cpu", encoding="utf-8") as f:
            cab0, pg0, cab1, pg1, hz = (int(v) for v in f.read().split())
        if requests:
            cpu = {"cabildo_cpu_us_per_request": round((cab1 - cab0) * 1e6 / hz / requests, 1),
                   "postgres_cpu_us_per_request": round((pg1 - pg0) * 1e6 / hz / requests, 1)}
    return {
        "requests": requests,
        "duration_s": round(w["duration_us"] / 1e6, 3),
        "rps": round(float(w["rps"]), 1),
        "p50_us": int(lat["p50"]),
        "p99_us": int(lat["p99"]),
        "latency_us": {k: int(v) if k != "stdev" and k != "mean" else round(float(v), 1)
                       for k, v in lat.items()},
        "non2xx": non2xx,
        "non2xx_exact": exact,
        "unexpected_status": unexpected,
        "status_counts": {str(k): v for k, v in sorted(counts.items())},
        "socket_errors": socket_errors,
        "bytes": int(w["bytes"]),
        "bytes_per_response": round(int(w["bytes"]) / requests, 1) if requests else None,
        **cpu,
    }


CPU_KEYS = ("cabildo_cpu_us_per_request", "postgres_cpu_us_per_request")


def median_of_rounds(paths, expect):
    """The round with the median requests/s (the lower middle of an even count),
    with every round's req/s and p99 beside it. Statuses and socket errors are
    summed over all rounds: an unexpected answer in any round counts."""
    rounds = [measurement(p, expect) for p in paths]
    median_at = sorted(range(len(rounds)), key=lambda i: rounds[i]["rps"])[(len(rounds) - 1) // 2]
    chosen = dict(rounds[median_at])
    chosen["round"] = median_at + 1
    chosen["rounds"] = [{"rps": r["rps"], "p99_us": r["p99_us"],
                         **{k: r[k] for k in CPU_KEYS if k in r}} for r in rounds]
    # CPU per request: the median over rounds, not the median-req/s round's.
    for key in CPU_KEYS:
        values = sorted(r[key] for r in rounds if key in r)
        if values:
            chosen[key] = values[(len(values) - 1) // 2]
    statuses = {}
    for r in rounds:
        for k, v in r["status_counts"].items():
            statuses[k] = statuses.get(k, 0) + v
    chosen["status_counts"] = dict(sorted(statuses.items(), key=lambda kv: int(kv[0])))
    for key in ("non2xx", "unexpected_status"):
        chosen[key] = sum(r[key] for r in rounds)
    chosen["socket_errors"] = {k: sum(r["socket_errors"][k] for r in rounds)
                               for k in chosen["socket_errors"]}
    return chosen


def spread(m):
    """(max - min) / median of a target's rounds' req/s, in %; None for one round."""
    rps = [r["rps"] for r in m["rounds"]]
    return round(100 * (max(rps) - min(rps)) / m["rps"], 1) if len(rps) > 1 and m["rps"] else None


def ratio(a, b):
    return round(a / b, 3) if b else None


def paired_ratio(cab, ngx):
    """Median over rounds of Cabildo's req/s over the nginx round just before it.
    The two were measured seconds apart, so a slow spell of the shared cores
    mostly lands on both sides of one pair; with one round it is the plain ratio."""
    pairs = [ratio(c["rps"], n["rps"]) or 0.0 for c, n in zip(cab["rounds"], ngx["rounds"])]
    return round(statistics.median(pairs), 3)


def fmt_int(v):
    return f"{v:,.0f}" if v is not None else "-"


def fmt_ms(us):
    return f"{us / 1000:.2f}" if us is not None else "-"


def fmt_ratio(r):
    return f"{r:.2f}" if r is not None else "-"


def fmt_mib(kb):
    return f"{kb / 1024:.1f} MiB" if kb is not None else "-"


def render_table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = []
    for r in [header] + rows:
        cells = []
        for i, cell in enumerate(r):
            # Text columns left-aligned, numbers right-aligned.
            cells.append(str(cell).ljust(widths[i]) if i < 2 else str(cell).rjust(widths[i]))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def round_files(run_dir, name, target, rounds):
    return [os.path.join(run_dir, "wrk", f"{name}.{target}.r{i}.json") for i in range(1, rounds + 1)]


def report(run_dir, out, root=None):
    run = read_meta(os.path.join(run_dir, "run.meta"))
    rc = 0
    problems = []
    scenarios = []
    healthz_rps = None
    rounds = run.get("rounds", 1)
    for name in run.get("scenario", []):
        meta = read_meta(os.path.join(run_dir, f"{name}.meta"))
        expect = meta.get("expect", "2xx")
        cab = median_of_rounds(round_files(run_dir, name, "cabildo", rounds), expect)
        ngx = median_of_rounds(round_files(run_dir, name, "nginx", rounds), "2xx")
        if name == "healthz":
            healthz_rps = cab["rps"]
        entry = {
            "name": name,
            "about": meta.get("about", ""),
            "method": meta.get("method", "GET"),
            "path": meta.get("path"),
            "headers": [re.sub(r"^(Authorization: *Bearer) .*", r"\1 <token>", h, flags=re.I)
                        for h in meta.get("header", [])],
            "body_file": meta.get("body_file"),
            "script": meta.get("script"),
            "needs": [n for n in meta.get("needs", "").split(",") if n],
            "expect": expect,
            "response": {
                "status": meta.get("sample_status"),
                "content_type": meta.get("content_type"),
                "body_bytes": meta.get("body_bytes"),
                "connection": meta.get("connection") or None,
            },
            "cabildo": cab,
            "nginx": ngx,
            "ratio_vs_nginx": paired_ratio(cab, ngx),
            "ratio_vs_healthz": None,
        }
        if meta.get("connections"):  # the scenario's own wrk -c (both targets)
            entry["connections"] = meta["connections"]
        after_file = os.path.join(run_dir, f"{name}.after.txt")
        if os.path.exists(after_file):  # what the scenario's after= function measured
            with open(after_file, encoding="utf-8") as f:
                entry["after"] = f.read().strip()
        if meta.get("stand_in"):
            entry["stand_in"] = meta["stand_in"]
            entry["pending_path"] = meta.get("pending_path")
            entry["waits"] = meta.get("waits")
        entry = {k: v for k, v in entry.items() if v is not None or k.startswith("ratio")}
        scenarios.append(entry)

        if ngx["requests"] == 0 or ngx["unexpected_status"]:
            problems.append(f"{name}: the nginx ceiling is unusable "
                            f"({ngx['requests']} requests, statuses {ngx['status_counts']})")
            rc = max(rc, 1)
        if cab["requests"] == 0:
            problems.append(f"{name}: Cabildo completed no request")
            rc = max(rc, 1)
        if cab["unexpected_status"]:
            seen = (f"statuses {cab['status_counts']}" if cab["non2xx_exact"]
                    else "wrk's count of statuses >= 400")
            problems.append(f"{name}: Cabildo answered {cab['unexpected_status']} responses "
                            f"with a status other than {expect} ({seen})")
            rc = rc or 3
    for entry in scenarios:
        entry["ratio_vs_healthz"] = ratio(entry["cabildo"]["rps"], healthz_rps)

    result = {
        "schema": 1,
        "date": run.get("date"),
        "commit": run.get("commit"),
        "dirty": run.get("dirty") == "true",
        "smoke": run.get("smoke") == "1",
        "settings": {
            "wrk": {"threads": run.get("wrk_threads"), "connections": run.get("connections"),
                    "duration_s": run.get("duration_s"), "warmup_s": run.get("warmup_s"),
                    "rounds": rounds,
                    "timeout_s": WRK_TIMEOUT_S, "status_hook": run.get("status_hook") == "1",
                    "connection_header": None},  # wrk sends none: HTTP/1.1 default keep-alive
            "cabildo": {"threads": run.get("cabildo_threads"), "workers": run.get("cabildo_workers"),
                        "db_pool_size": run.get("cabildo_db_pool"), "log_level": "warn"},
            "nginx": {"worker_processes": run.get("nginx_workers")},
        },
        "build": {"type": run.get("build_type"), "cxx_flags": run.get("cxx_flags"),
                  "compiler": run.get("compiler"),
                  "binary": os.path.relpath(run["binary"], root) if root and run.get("binary")
                  else run.get("binary")},
        "host": {"cpu": run.get("cpu"), "cpus": run.get("cpus"), "kernel": run.get("kernel"),
                 "wrk": run.get("wrk_version"), "nginx": run.get("nginx_version"),
                 "postgresql": run.get("postgres_version"), "redis": run.get("redis_version")},
        "cabildo_process": {"readyz_ms": run.get("readyz_ms"),
                            "rss_after_start_kb": run.get("rss_start_kb"),
                            "rss_after_load_kb": run.get("rss_after_kb"),
                            "rss_peak_kb": run.get("rss_peak_kb")},
        "scenarios": scenarios,
        "pending": [dict(zip(("name", "waits"), p.split("|", 1))) for p in run.get("pending", [])],
    }
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, out)

    # --- the table ---
    header = ["scenario", "request", "req/s", "p50 ms", "p99 ms", "non-2xx", "sock err",
              "B/resp", "body B", "nginx req/s", "nginx p99", "vs nginx", "vs healthz",
              "spread %", "CPU us/req"]
    rows = []
    for e in scenarios:
        c, n = e["cabildo"], e["nginx"]
        request = f"{e['method']} {e['path']}"
        rows.append([
            e["name"] + ("*" if e.get("stand_in") else ""), request,
            fmt_int(c["rps"]), fmt_ms(c["p50_us"]), fmt_ms(c["p99_us"]),
            fmt_int(c["non2xx"]) + ("" if c["non2xx_exact"] else "~"),
            fmt_int(sum(c["socket_errors"].values())),
            fmt_int(c["bytes_per_response"]), fmt_int(e["response"]["body_bytes"]),
            fmt_int(n["rps"]), fmt_ms(n["p99_us"]),
            fmt_ratio(e["ratio_vs_nginx"]), fmt_ratio(e["ratio_vs_healthz"]),
            "/".join("-" if v is None else f"{v:.0f}" for v in (spread(c), spread(n))),
            "/".join(f"{c[k]:.0f}" if k in c else "-" for k in CPU_KEYS),
        ])
    s = result["settings"]
    proc = result["cabildo_process"]
    print()
    print(f"Cabildo bench  {result['date']}  commit {result['commit']}"
          f"{' (dirty tree)' if result['dirty'] else ''}{'  SMOKE' if result['smoke'] else ''}")
    print(f"wrk -t{s['wrk']['threads']} -c{s['wrk']['connections']} -d{s['wrk']['duration_s']}s"
          f" --latency ({s['wrk']['warmup_s']} s warm-up per target, median of"
          f" {s['wrk']['rounds']} round(s), nginx and Cabildo in turns); {result['build']['type']}"
          f" {result['build']['cxx_flags']}; cabildo threads {s['cabildo']['threads']},"
          f" workers {s['cabildo']['workers']}, db pool {s['cabildo']['db_pool_size']};"
          f" nginx {s['nginx']['worker_processes']} workers")
    print(f"{result['host']['cpus']} x {result['host']['cpu']}; all processes share these cores")
    print()
    print(render_table(rows, header))
    print()
    print(f"Cabildo process: /readyz 200 after {proc['readyz_ms']} ms; VmRSS"
          f" {fmt_mib(proc['rss_after_start_kb'])} after start,"
          f" {fmt_mib(proc['rss_after_load_kb'])} after load (VmHWM {fmt_mib(proc['rss_peak_kb'])})")
    for e in scenarios:
        if e.get("stand_in"):
            print(f"* {e['name']}: stand-in '{e['stand_in']}' until the {e['waits']} exists"
                  f" (will be {e['method']} {e['pending_path']})")
    if any(not e["cabildo"]["non2xx_exact"] for e in scenarios):
        print("~ non-2xx here is wrk's count of statuses >= 400 (BENCH_STATUS_HOOK=1 counts"
              " every non-2xx, at some wrk CPU)")
    for e in scenarios:
        if e.get("connections"):
            print(f"{e['name']}: wrk -c{e['connections']} (its own connections, both targets)")
    for e in scenarios:
        if e.get("after"):
            print(f"{e['name']}: {e['after']}")
    print("CPU us/req: CPU time of the Cabildo process / of the whole PostgreSQL cluster per"
          " request (median of the rounds); steadier than req/s on shared cores")
    if s["wrk"]["rounds"] > 1:
        print("spread %: (max - min) / median of the rounds' req/s, Cabildo/nginx;"
              " vs nginx: median of each round's Cabildo/nginx pair")
    sock = [e["name"] for e in scenarios if sum(e["cabildo"]["socket_errors"].values())]
    if sock:
        print("socket errors (connect/read/write/timeout > 2 s) in: " + ", ".join(sock))
    if result["pending"]:
        print("pending (bench/run --scenarios): "
              + ", ".join(p["name"] for p in result["pending"]))
    shown = os.path.relpath(out, root) if root else out
    print(f"results: {shown}")
    for p in problems:
        print(f"bench: {p}", file=sys.stderr)
    return rc


def check(path):
    with open(path, encoding="utf-8") as f:
        result = json.load(f)
    bad = []
    if not result.get("scenarios"):
        bad.append("no scenario in the results")
    for e in result.get("scenarios", []):
        c = e["cabildo"]
        if c["requests"] <= 0:
            bad.append(f"{e['name']}: no request completed")
        if c["non2xx"] or c["unexpected_status"]:
            bad.append(f"{e['name']}: {c['non2xx']} non-2xx, statuses {c['status_counts']}")
        if e["nginx"]["requests"] <= 0:
            bad.append(f"{e['name']}: the nginx ceiling completed no request")
        rounds = result["settings"]["wrk"].get("rounds", 1)
        for target in ("cabildo", "nginx"):
            if len(e[target].get("rounds", [])) != rounds:
                bad.append(f"{e['name']}: {target} has {len(e[target].get('rounds', []))}"
                           f" rounds, the run asked for {rounds}")
        if e.get("ratio_vs_nginx") is None:
            bad.append(f"{e['name']}: no ratio against nginx")
    for b in bad:
        print(f"bench check: {b}", file=sys.stderr)
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "ports":
        print(" ".join(str(p) for p in free_ports(int(argv[2]) if len(argv) > 2 else 1)))
        return 0
    if len(argv) in (4, 5) and argv[1] == "report":
        return report(argv[2], argv[3], argv[4] if len(argv) == 5 else None)
    if len(argv) == 3 and argv[1] == "check":
        return check(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
