#!/usr/bin/env python3
"""Compares two net journals (ours: net-journal.jsonl; Maelstrom's, dumped
with scripts/maelstrom-journal.clj) of the same node and command: message
counts per type between servers, client ops, delivery delays (recv - send)
per pair kind, and the spread of server send times within each 100 ms.

usage: compare-journals.py A.jsonl B.jsonl [label-a label-b]
"""
import json, sys, collections, statistics

def load(path):
    sends, recvs = {}, {}
    for line in open(path):
        e = json.loads(line)
        m = e["message"]
        (sends if e["type"] == "send" else recvs)[m["id"]] = (e["time"], m)
    return sends, recvs

def is_client(x):
    return x.startswith("c")

def summary(path):
    sends, recvs = load(path)
    t0 = min(t for t, _ in sends.values())
    out = {}
    kinds = collections.Counter()
    ops = collections.Counter()
    delays = collections.defaultdict(list)
    for mid, (t, m) in sends.items():
        body = m.get("body") or {}
        typ = body.get("type", "")
        client = is_client(m["src"]) or is_client(m["dest"])
        if client:
            if is_client(m["src"]):
                ops[typ] += 1
        else:
            kinds[typ] += 1
        if mid in recvs:
            kind = "client" if client else ("service" if "-" in m["src"] + m["dest"] else "server")
            delays[kind].append((recvs[mid][0] - t) / 1e6)
    out["server msgs by type"] = dict(kinds.most_common())
    out["server msgs"] = sum(kinds.values())
    out["client requests by type"] = dict(ops.most_common())
    out["undelivered server msgs"] = sum(1 for mid, (t, m) in sends.items()
                                          if mid not in recvs and not (is_client(m["src"]) or is_client(m["dest"])))
    for k, d in delays.items():
        d.sort()
        q = lambda p: d[min(len(d) - 1, int(p * len(d)))]
        out[f"delay ms {k}"] = f"min {d[0]:.2f} p50 {q(.5):.2f} p90 {q(.9):.2f} p99 {q(.99):.2f} max {d[-1]:.2f} (n={len(d)})"
    span = (max(t for t, _ in sends.values()) - t0) / 1e9
    out["span s"] = round(span, 2)
    return out

if __name__ == "__main__":
    a, b = sys.argv[1], sys.argv[2]
    la, lb = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ("A", "B")
    sa, sb = summary(a), summary(b)
    for k in sa.keys() | sb.keys():
        print(f"{k}:\n  {la}: {sa.get(k)}\n  {lb}: {sb.get(k)}")
