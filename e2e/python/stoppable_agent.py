"""A Python agent for the browser specs (e2e/specs/python-agent-answers-the-browser.spec.ts): answers each user
message of a session on a server without auth, as principal ``py-agent``. A message that asks to count is answered
with numbered tokens (``t0 t1 ...``, one every 20 ms) until a device stops the reply; any other with three words.
Prints one JSON line per reply (``messageId``, ``status``, ``steerMarked``, ``tokens``) and exits after
``MAX_REPLIES`` replies.

usage: PYTHONPATH=python/src python3 stoppable_agent.py BASE_URL SESSION_ID MAX_REPLIES
"""
import json
import sys

from lifeline import Session

base_url, session_id, max_replies = sys.argv[1], sys.argv[2], int(sys.argv[3])

with Session(base_url, session_id, principal_id="py-agent", role="agent", device="python") as session:
    replies = 0
    events = session.events()
    for event in events:
        if event.type != "message.created" or event["role"] != "user":
            continue
        question = next(e for e in events if e.type == "message.delta" and e["messageId"] == event["messageId"])
        written = 0
        with session.reply(reply_to=event["messageId"]) as reply:
            if "count" in question["text"].lower():
                while not reply.stop_event.wait(0.02):  # only a stop ends it
                    reply.write(f"t{written} ")
                    written += 1
            else:
                for word in ["Hello ", "from ", "Python"]:
                    reply.write(word)
                    written += 1
        print(
            json.dumps(
                {"messageId": reply.message_id, "status": reply.status, "steerMarked": reply.steer_marked, "tokens": written}
            ),
            flush=True,
        )
        replies += 1
        if replies == max_replies:
            break
    events.close()
