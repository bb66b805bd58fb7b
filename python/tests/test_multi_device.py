"""Multi-device continuity: two Python users and a Python agent, and a Node device, see one transcript in one order
(PROTOCOL.md §11), whether they rebuild it from the event stream or read it."""
from __future__ import annotations

import threading
import unittest

from lifeline import Session, order_from_events

from .support import harness, new_session, wait_until


class MultiDeviceTest(unittest.TestCase):
    def test_two_python_users_and_a_node_device_see_the_same_ordered_transcript(self) -> None:
        h = harness()
        session_id = new_session(h)
        alice = Session(h.url, session_id, h.token("alice", "user", session_id), device="laptop")
        bob = Session(h.url, session_id, h.token("bob", "user", session_id), device="phone")
        agent = Session(h.url, session_id, h.token("bot", "agent", session_id))
        for session in (alice, bob, agent):
            self.addCleanup(session.close)
        device = h.call("device", session=session_id, principalId="carol", device="tablet")
        self.addCleanup(h.call, "close", handle=device)
        alice_events, bob_events = alice.events(), bob.events()
        self.addCleanup(alice_events.close)
        self.addCleanup(bob_events.close)
        questions = []
        barrier = threading.Barrier(2)

        def ask(session: Session, text: str) -> None:
            barrier.wait()
            questions.append(session.send_message(text))

        threads = [threading.Thread(target=ask, args=(s, t)) for s, t in ((alice, "from alice"), (bob, "from bob"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # The agent answers in the opposite order of arrival: the answers still sit right after their questions.
        replies = []
        for question in reversed(questions):
            with agent.reply(reply_to=question) as reply:
                reply.write(f"answer to {question}")
            replies.append(reply.message_id)
        node_question = h.call("send", handle=device, text="from carol")
        expected = {*questions, *replies, node_question}

        def order_seen(stream):
            seen = []
            for event in stream:
                seen.append(event)
                ids = order_from_events(seen)
                if set(ids) == expected:
                    return ids
            return None

        alice_order = order_seen(alice_events)
        bob_order = order_seen(bob_events)
        read_order = [m["id"] for m in agent.transcript()["messages"]]
        node_order = wait_until(
            lambda: [m["id"] for m in h.call("messages", handle=device)] if len(h.call("messages", handle=device)) == 5 else None,
            what="the Node device to hold five messages",
        )
        self.assertEqual(alice_order, bob_order)
        self.assertEqual(alice_order, read_order)
        self.assertEqual(alice_order, node_order)
        for question, reply in zip(reversed(questions), replies):
            self.assertEqual(alice_order.index(reply), alice_order.index(question) + 1)


if __name__ == "__main__":
    unittest.main()
