"""An agent that answers every user message of a session token by token, and stops when a device says stop.

usage: python3 answer_agent.py BASE_URL SESSION_ID [AGENT_TOKEN] [MAX_ANSWERS]
"""
import sys

from lifeline import Session

base_url, session_id = sys.argv[1], sys.argv[2]
token = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
max_answers = int(sys.argv[4]) if len(sys.argv) > 4 else 0

with Session(base_url, session_id, token, principal_id=None if token else "py-agent") as session:
    answered = 0
    events = session.events()  # catches up, then follows live; resumes by itself after drops
    for event in events:
        if event.type != "message.created" or event["role"] != "user":
            continue
        with session.reply(reply_to=event["messageId"]) as reply:
            for word in ["Hello ", "from ", "Python"]:  # your model's tokens
                reply.write(word)
        print(reply.message_id, reply.status, "redirect:", reply.redirect, "resume at", events.offset, flush=True)
        answered += 1
        if answered == max_answers:
            break
