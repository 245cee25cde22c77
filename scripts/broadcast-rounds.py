#!/usr/bin/env python3
"""Summarises the broadcast overlay traffic of a run from its message journal:
how many `up`/`down` messages, how many hub beats sent something, and how early
the leaves' `up`s arrived before the beat. Usage: broadcast-rounds.py [RUN_DIR]"""
import json, sys, collections

run = sys.argv[1] if len(sys.argv) > 1 else "store/latest"
ups = downs = want_ack = 0
beats = []
early = []
for line in open(f"{run}/net-journal.jsonl"):
    e = json.loads(line)
    m = e["message"]
    if e["type"] != "send" or m["src"].startswith("c") or m["dest"].startswith("c"):
        continue
    t = e["time"] / 1e6
    kind = m["body"].get("type")
    if kind == "up":
        ups += 1
    elif kind == "down":
        downs += 1
        want_ack += bool(m["body"].get("want_ack"))
        if m["body"].get("timing"):
            early.append(m["body"]["timing"]["early_us"] / 1000)
        if not beats or t - beats[-1] > 5:
            beats.append(t)
print(f"up {ups}  down {downs} (want_ack {want_ack})  beats with traffic {len(beats)}")
if early:
    early.sort()
    q = lambda p: early[min(len(early) - 1, int(len(early) * p))]
    print(f"early (ms) of ups: min {early[0]:.1f} p5 {q(0.05):.1f} p50 {q(0.5):.1f} p95 {q(0.95):.1f} max {early[-1]:.1f}")
print("gaps between beats (ms):", [round(b - a) for a, b in zip(beats, beats[1:])][:40])
