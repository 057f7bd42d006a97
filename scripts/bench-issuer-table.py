#!/usr/bin/env python3
"""Prints scripts/bench-issuer's table from its JSON lines: RESULTS LOAD_BEFORE LOAD_AFTER CORES."""
import json
import sys

TARGETS = ["otpvault-sqlite", "otpvault-postgres", "privacyidea"]


def main():
    path, load_before, load_after, cores = sys.argv[1:5]
    runs, races, rss, kdf_ms = {}, {}, {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if "kdf_ms" in r:
                kdf_ms = r["kdf_ms"]
            elif "rss_mib" in r:
                rss.setdefault(r["target"], []).append(r["rss_mib"])
            elif "requests" in r:
                runs[(r["target"], r["kdf"], r["clients"])] = r
            else:
                races.setdefault(r["target"], []).append(r["accepted"])
    present = [t for t in TARGETS if any(k[0] == t for k in runs)]
    peer = "privacyidea" in present
    print(f"\nIssuer verifications, {cores} cores, load average {load_before} before and {load_after} after")
    print("accepted/s, then p50 / p99 / max latency in ms; KDF on = Argon2id 19 MiB, 2 passes\n")
    header = ["KDF", "clients"] + present + ([f"{t.split('-')[1]} ÷ PI" for t in present if t != "privacyidea"] if peer else [])
    rows = []
    for kdf in ("off", "on"):
        for clients in (1, 8, 64):
            row = [kdf, str(clients)]
            for t in present:
                r = runs.get((t, kdf, clients))
                row.append("–" if r is None else
                           f"{r['accepted_per_s']:.0f}/s {r['p50_ms']:.1f} / {r['p99_ms']:.1f} / {r['max_ms']:.0f}")
            if peer:
                base = runs.get(("privacyidea", kdf, clients))
                for t in present:
                    if t == "privacyidea":
                        continue
                    r = runs.get((t, kdf, clients))
                    ok = r and base and base["accepted_per_s"] > 0
                    row.append(f"{r['accepted_per_s'] / base['accepted_per_s']:.1f}×" if ok else "–")
            rows.append(row)
    widths = [max(len(x) for x in col) for col in zip(header, *rows)]
    for row in [header, ["-" * w for w in widths]] + rows:
        print("| " + " | ".join(x.ljust(w) for x, w in zip(row, widths)) + " |")
    print()
    for t in present:
        print(f"replay race, 32 identical valid codes × {len(races.get(t, []))}: {t} accepted {races.get(t)}"
              f"; peak server RSS {', '.join(str(x) for x in rss.get(t, []))} MiB")
    if kdf_ms is not None:
        bound = 64 / float(cores) * kdf_ms
        print(f"one Argon2id check: {kdf_ms:.1f} ms on one core; at 64 clients on {cores} cores the KDF alone"
              f" allows a p99 of about {bound:.0f} ms")
    slow = [(k, r["max_ms"]) for k, r in runs.items() if r["max_ms"] > 1000]
    print("no request waited more than 1 s" if not slow else f"requests over 1 s: {slow}")


main()
