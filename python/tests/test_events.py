"""Following a session: catch-up with exact per-event offsets, resuming after killed connections without
duplicates or gaps, the fallback from buffered SSE to long-poll, and resuming from a persisted offset."""
from __future__ import annotations

import threading
import unittest

from lifeline import Session

from .support import AgentAndUserTest, Proxy, wait_until


def reply_text(events, message_id):
    return "".join(e["text"] for e in events if e.type == "message.delta" and e["messageId"] == message_id)


class EventStreamTest(AgentAndUserTest):
    def test_catch_up_gives_each_event_an_offset_to_resume_from(self) -> None:
        question = self.user.send_message("hello")
        with self.agent.reply(reply_to=question, announce_presence=False) as reply:
            for word in ["a ", "b ", "c"]:
                reply.write(word)
                reply.flush()
        events = list(self.user.events(live=False))
        self.assertEqual([e.type for e in events][:2], ["message.created", "message.delta"])
        self.assertEqual(reply_text(events, reply.message_id), "a b c")
        offsets = [e.offset for e in events]
        self.assertEqual(offsets, sorted(set(offsets)))
        for index, event in enumerate(events):
            rest = list(self.user.events(event.offset, live=False))
            self.assertEqual([dict(e) for e in rest], [dict(e) for e in events[index + 1 :]])
            self.assertEqual([e.offset for e in rest], offsets[index + 1 :])

    def test_resumes_after_killed_connections_without_duplicates_or_gaps(self) -> None:
        proxy = Proxy(self.h.url)
        self.addCleanup(proxy.close)
        reader = Session(proxy.url, self.session_id, self.h.token("alice", "user", self.session_id))
        self.addCleanup(reader.close)
        question = self.user.send_message("count to 200")
        stream = reader.events()
        self.addCleanup(stream.close)
        seen = []
        finished = threading.Event()
        replies = []

        def read() -> None:
            for event in stream:
                seen.append(event)
                if event.type == "message.done" and event["messageId"] in replies:
                    finished.set()
                    return

        def live_reads() -> int:
            return proxy.sse_requests + proxy.long_polls

        def cut_until_resumed() -> None:
            # Cuts the reader's live read through the proxy: SSE, or long-poll when a slow first byte on a loaded
            # machine made the reader take SSE for buffered. A cut that found no read open (the reader was waiting to
            # retry, or a long-poll was answered just before) leaves it reading again without a failure: cut again.
            before = stream.reconnects
            while stream.reconnects == before:
                opened = live_reads()
                proxy.cut()
                wait_until(
                    lambda: stream.reconnects > before or live_reads() > opened,
                    what="the reader to resume or to read again",
                )

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        words = [f"w{i} " for i in range(200)]
        with self.agent.reply(reply_to=question, announce_presence=False) as reply:
            replies.append(reply.message_id)
            for index, word in enumerate(words):
                reply.write(word)
                if index % 20 == 0:
                    reply.flush()
                    cut_until_resumed()
        self.assertTrue(finished.wait(20))
        self.assertGreaterEqual(stream.reconnects, 10)
        self.assertEqual(reply_text(seen, reply.message_id), "".join(words))
        offsets = [e.offset for e in seen]
        self.assertEqual(len(offsets), len(set(offsets)))
        self.assertEqual([dict(e) for e in seen], [dict(e) for e in self.user.events(live=False)])

    def test_buffered_sse_falls_back_to_long_poll(self) -> None:
        proxy = Proxy(self.h.url)
        proxy.hold_sse = True
        self.addCleanup(proxy.close)
        reader = Session(
            proxy.url, self.session_id, self.h.token("alice", "user", self.session_id), sse_hello_timeout_s=0.5
        )
        self.addCleanup(reader.close)
        stream = reader.events()
        self.addCleanup(stream.close)
        question = self.user.send_message("are you there")
        event = next(stream)
        self.assertEqual((event.type, event["messageId"]), ("message.created", question))
        self.assertEqual(stream.transport, "long-poll")
        self.assertGreaterEqual(proxy.sse_requests, 1)
        with self.agent.reply(reply_to=question, announce_presence=False) as reply:
            reply.write("yes")
        rest = []
        for event in stream:
            rest.append(event)
            if event.type == "message.done" and event["messageId"] == reply.message_id:
                break
        self.assertEqual(reply_text(rest, reply.message_id), "yes")
        self.assertGreaterEqual(proxy.long_polls, 1)

    def test_a_persisted_offset_resumes_after_a_restart(self) -> None:
        self.user.send_message("first")
        stream = self.user.events(live=False)
        handled = list(stream)
        saved = stream.offset
        self.assertEqual(saved, handled[-1].offset)
        second = self.user.send_message("second")
        restarted = Session(self.h.url, self.session_id, self.h.token("alice", "user", self.session_id))
        self.addCleanup(restarted.close)
        live = restarted.events(saved)
        self.addCleanup(live.close)
        event = next(live)
        self.assertEqual((event.type, event["messageId"]), ("message.created", second))
        self.assertEqual(wait_until(lambda: next(live)).type, "message.delta")


if __name__ == "__main__":
    unittest.main()
