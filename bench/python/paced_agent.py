"""The Python side of `npm run bench:python` (bench/python-sdk.ts): answers each user message of a session with
paced tokens that carry their send time (`<i>:<epoch ms>|`), until `count` tokens were written or the reply was
stopped; prints one JSON line per reply with the time the stop was seen (epoch ms) when it was stopped.

usage: python3 paced_agent.py BASE_URL SESSION_ID REPLIES COUNT INTERVAL_MS
"""
import json
import sys
import time

from lifeline import Session

base_url, session_id, replies, count, interval_ms = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])

with Session(base_url, session_id, principal_id="py-agent") as session:
    answered = 0
    for event in session.events():
        if event.type != "message.created" or event["role"] != "user":
            continue
        stopped_at = None
        with session.reply(reply_to=event["messageId"], announce_presence=False) as reply:
            for index in range(count):
                reply.write(f"{index}:{time.time() * 1000:.3f}|")
                if reply.stop_event.wait(interval_ms / 1000):
                    stopped_at = time.time() * 1000
                    break
        print(json.dumps({"messageId": reply.message_id, "stoppedAt": stopped_at}), flush=True)
        answered += 1
        if answered == replies:
            break
