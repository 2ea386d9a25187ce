#!/usr/bin/env python3
"""Draws the plots of `make bench` from the CSV files the bench wrote (docs/bench/*.csv).

    scripts/plot-bench.py [directory]     # default docs/bench; PNGs are written beside the CSVs

Each plot is drawn only when its CSV exists, so a partial bench run still plots what it measured.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display on a server
import matplotlib.pyplot as plt  # noqa: E402


def rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def throughput_by_inflight(directory):
    path = os.path.join(directory, "throughput-by-inflight.csv")
    if not os.path.exists(path):
        return None
    data = rows(path)
    bounds = [int(row["max_inflight_checks"]) for row in data]
    fig, left = plt.subplots(figsize=(7, 4.2))
    left.plot(bounds, [int(row["checks_per_second"]) for row in data], "o-", color="tab:blue", label="checks/s stored")
    left.set_xscale("log", base=2)
    left.set_xticks(bounds, [str(bound) for bound in bounds])
    left.set_xlabel("max_inflight_checks")
    left.set_ylabel("checks per second", color="tab:blue")
    left.set_ylim(bottom=0)
    right = left.twinx()
    right.plot(bounds, [int(row["queries_per_second"]) for row in data], "s--", color="tab:orange", label="queries/s (Knot)")
    right.set_ylabel("DNS queries per second (counted by Knot)", color="tab:orange")
    right.set_ylim(bottom=0)
    left.set_title("Check throughput through the whole daemon\n(every domain due every second, Knot on loopback)")
    left.grid(True, alpha=0.3)
    fig.tight_layout()
    out = os.path.join(directory, "throughput-by-inflight.png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def rss_by_domains(directory):
    path = os.path.join(directory, "rss-by-domains.csv")
    if not os.path.exists(path):
        return None
    data = rows(path)
    domains = [int(row["domains"]) for row in data]
    fig, axis = plt.subplots(figsize=(7, 4.2))
    axis.plot(domains, [int(row["rss_mb"]) for row in data], "o-", label="daemon RSS at rest")
    axis.axhline(200, color="tab:red", linestyle=":", label="goal: 200 MB")
    axis.set_xlabel("verified domains in the store")
    axis.set_ylabel("MB")
    axis.set_ylim(bottom=0, top=max(220, max(int(row["rss_mb"]) for row in data) * 1.2))
    axis.ticklabel_format(axis="x", style="plain")
    axis.set_title("Resident memory against the number of domains")
    axis.grid(True, alpha=0.3)
    axis.legend()
    fig.tight_layout()
    out = os.path.join(directory, "rss-by-domains.png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def soak(directory):
    path = os.path.join(directory, "soak.csv")
    if not os.path.exists(path):
        return None
    data = rows(path)
    seconds = [int(row["second"]) for row in data]
    fig, left = plt.subplots(figsize=(7, 4.2))
    left.plot(seconds, [int(row["rss_mb"]) for row in data], "-", color="tab:blue", label="RSS (MB)")
    left.set_xlabel("seconds into the soak")
    left.set_ylabel("RSS (MB)", color="tab:blue")
    left.set_ylim(bottom=0)
    right = left.twinx()
    right.plot(seconds, [float(row["checks_per_second"]) for row in data], "-", color="tab:green", alpha=0.6)
    right.set_ylabel("checks per second", color="tab:green")
    right.set_ylim(bottom=0)
    left.set_title("Soak: memory while checking")
    left.grid(True, alpha=0.3)
    fig.tight_layout()
    out = os.path.join(directory, "soak.png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "docs/bench"
    drawn = [path for path in (throughput_by_inflight(directory), rss_by_domains(directory), soak(directory)) if path]
    for path in drawn:
        print(f"plotted {path}")
    if not drawn:
        print(f"no bench CSV files in {directory}; run `make bench` first", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
