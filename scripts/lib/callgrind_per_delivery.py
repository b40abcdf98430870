"""Instructions per delivery from callgrind dumps of the reactor workers (scripts/bench instructions).

Usage: callgrind_per_delivery.py DIR LABEL SHORT LONG DELIVERIES_SHORT DELIVERIES_LONG PID...
Each worker was dumped (callgrind_control -d SHORT, LONG) after a short and a long run of the same
load, its counters zeroed before each; both hold the same connection setup and teardown, so their
difference is the cost of the extra deliveries. Prints the instructions per delivery and the
functions that spend most of them."""
import collections
import glob
import re
import sys

FN = re.compile(r"^(c?)fn=\((\d+)\)(?: (.*))?$")


def self_cost(path):
    """Instructions spent in each function itself (callgrind's compressed-name format)."""
    names, cost, fn, in_call = {}, collections.Counter(), None, False
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        m = FN.match(line)
        if m:
            if m.group(3):
                names[m.group(2)] = m.group(3)
            if not m.group(1):
                fn, in_call = names.get(m.group(2)), False
            continue
        if line.startswith("calls="):
            in_call = True  # the next cost line is the call's inclusive cost, not this function's
            continue
        if line[:1].isdigit() or line[:1] in "+-*":
            parts = line.split()
            if len(parts) >= 2:
                if in_call:
                    in_call = False
                else:
                    cost[fn] += int(parts[1])
    return cost


def dumps(directory, pids, trigger):
    total = collections.Counter()
    for pid in pids:
        for path in glob.glob(f"{directory}/callgrind.out.{pid}.*"):
            if f"Trigger: dump {trigger}\n" in open(path, errors="replace").read(4096):
                total += self_cost(path)
    return total


def main():
    directory, label, short, long_, n_short, n_long, *pids = sys.argv[1:]
    deliveries = int(n_long or 0) - int(n_short or 0)
    if deliveries <= 0:
        print(f"{label}: no deliveries to compare ({n_short} and {n_long})")
        return
    a, b = dumps(directory, pids, long_), dumps(directory, pids, short)
    if not a or not b:
        print(f"{label}: callgrind dumps missing")
        return
    diff = collections.Counter({name: a[name] - b[name] for name in a.keys() | b.keys()})
    total = sum(a.values()) - sum(b.values())
    print(f"{label}: {total / deliveries:,.0f} instructions per delivery in the workers (user space, callgrind, "
          f"{deliveries:,} deliveries)")
    for name, value in diff.most_common(8):
        print(f"    {value / deliveries:7.0f}  {(name or '?')[:100]}")


main()
