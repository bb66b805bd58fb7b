"""Tail a Lifeline session over HTTP and answer its last user message (Python stdlib only).

usage: python3 stream_agent.py BASE_URL SESSION_ID [AGENT_TOKEN]
"""
import json, sys, urllib.error, urllib.request, uuid

base, session = sys.argv[1], sys.argv[2]
auth = {"Authorization": "Bearer " + sys.argv[3]} if len(sys.argv) > 3 else {}
url = f"{base}/v1/stream/sessions/{session}"


def read(offset, live=""):
    """One read from `offset`: (events, next offset, up to date)."""
    query = f"?offset={offset}" + (f"&live={live}" if live else "")
    with urllib.request.urlopen(urllib.request.Request(url + query, headers=auth), timeout=60) as response:
        body = response.read()
        events = json.loads(body) if response.status == 200 and body else []
        return events, response.headers["Stream-Next-Offset"], response.headers.get("Stream-Up-To-Date") == "true"


producer, epoch, seq = "py-" + uuid.uuid4().hex[:8], 0, 0


def append(*commands):
    """POST one batch of commands; a retry with the same seq is applied once (answered 204)."""
    global seq
    headers = {**auth, "Content-Type": "application/json", "Producer-Id": producer,
               "Producer-Epoch": str(epoch), "Producer-Seq": str(seq)}
    request = urllib.request.Request(url, data=json.dumps(list(commands)).encode(), headers=headers, method="POST")
    for attempt in range(3):
        try:
            with urllib.request.urlopen(request, timeout=30):
                break
        except urllib.error.URLError:
            if attempt == 2:
                raise
    seq += 1


# 1. Catch up: every event so far, remembering the offset to resume from.
offset, question, done = "-1", None, False
while not done:
    events, offset, done = read(offset)
    for event in events:
        if event["type"] == "message.created" and event["role"] == "user":
            question = event["messageId"]
print("caught up at", offset, "last question", question, flush=True)

# 2. Answer it, token by token.
reply = "py-" + uuid.uuid4().hex[:12]
append({"type": "start", "messageId": reply, "replyTo": question})
for token in ["Hello ", "from ", "Python"]:
    append({"type": "text", "messageId": reply, "text": token})
append({"type": "end", "messageId": reply, "status": "done"})

# 3. Follow the stream live (long-poll) from where we were until our reply is done.
finished = False
while not finished:
    events, offset, _ = read(offset, "long-poll")
    for event in events:
        if event.get("messageId") == reply and event["type"] == "message.delta":
            print("delta", json.dumps(event["text"]), flush=True)
        finished = finished or (event["type"] == "message.done" and event["messageId"] == reply)
print("done at", offset, flush=True)
