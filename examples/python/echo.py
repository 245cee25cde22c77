#!/usr/bin/env python3
"""A Maelstrom echo node in plain Python (no library), for trying glomers
without Rust: `glomers test -w echo --bin examples/python/echo.py`."""
import json
import sys

node_id = None
next_id = 0


def send(dest, body):
    print(json.dumps({"src": node_id, "dest": dest, "body": body}), flush=True)


for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    next_id += 1
    reply = {"msg_id": next_id, "in_reply_to": body.get("msg_id")}
    if body["type"] == "init":
        node_id = body["node_id"]
        reply["type"] = "init_ok"
    elif body["type"] == "echo":
        reply.update(type="echo_ok", echo=body["echo"])
    else:
        reply.update(type="error", code=10, text=f"unsupported type {body['type']}")
    send(msg["src"], reply)
