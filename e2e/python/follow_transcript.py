"""A Python follower for the browser specs: reads a session's event stream (server without auth) until it holds
``COUNT`` messages that all ended, then prints them once as one JSON line, in session order (PROTOCOL.md §11.3,
``order_from_events``): ``[{"id", "role", "author", "status", "text"}, ...]``.

usage: PYTHONPATH=python/src python3 follow_transcript.py BASE_URL SESSION_ID COUNT
"""
import json
import sys

from lifeline import Session, order_from_events

base_url, session_id, count = sys.argv[1], sys.argv[2], int(sys.argv[3])

with Session(base_url, session_id, principal_id="py-follower", role="user") as session:
    seen = []
    messages = {}
    events = session.events()
    for event in events:
        seen.append(dict(event))
        message_id = event.get("messageId")
        if event.type == "message.created":
            messages[message_id] = {
                "id": message_id,
                "role": event["role"],
                "author": event["author"],
                "status": "streaming",
                "text": "",
            }
        elif event.type == "message.delta" and event.get("partType") == "text":
            messages[message_id]["text"] += event["text"]
        elif event.type in ("message.done", "message.stopped", "message.failed", "message.interrupted"):
            messages[message_id]["status"] = event.type.split(".", 1)[1]
        if len(messages) == count and all(m["status"] != "streaming" for m in messages.values()):
            break
    events.close()
    print(json.dumps([messages[message_id] for message_id in order_from_events(seen)]), flush=True)
