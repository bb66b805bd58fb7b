"""A user that asks a question and prints the answer as it streams (stop it with Ctrl-C: the reply is stopped).

usage: python3 ask_user.py BASE_URL SESSION_ID [USER_TOKEN] QUESTION
"""
import sys

from lifeline import Session

base_url, session_id, token, question = sys.argv[1], sys.argv[2], sys.argv[3] or None, sys.argv[4]

with Session(base_url, session_id, token, principal_id=None if token else "py-user", role="user") as session:
    events = session.events()
    asked = session.send_message(question)
    reply = next(e for e in events if e.type == "message.created" and e.get("replyTo") == asked)
    answer = session.follow_reply(reply["messageId"], events.offset)
    try:
        for text in answer:
            print(text, end="", flush=True)
    except KeyboardInterrupt:
        session.stop(reply["messageId"])
    print(f"\n[{answer.status}]", flush=True)
    events.close()
