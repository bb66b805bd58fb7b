"""Presence: a Python agent learns whether a user is present and is told when the last device leaves and when one
returns; its own presence while it works is seen by other clients, in the presence route, in the event stream's
`presence` events and in Yjs devices' own presence lists; an open server takes the principal from the
client; closing waits for a `user-left` handler that is running."""
from __future__ import annotations

import queue
import threading
import unittest

from lifeline import Session
from lifeline.presence import UserPresence

from .support import harness, new_session, wait_until


class PresenceTest(unittest.TestCase):
    def test_the_agent_is_told_when_the_last_user_device_leaves_and_returns(self) -> None:
        h = harness()
        session_id = new_session(h)
        agent = Session(h.url, session_id, h.token("bot", "agent", session_id), user_left_grace_s=0.2)
        self.addCleanup(agent.close)
        phone = h.call("device", session=session_id, principalId="alice", device="phone")
        laptop = h.call("device", session=session_id, principalId="alice", device="laptop")
        self.assertTrue(agent.users_present())
        changes: "queue.Queue" = queue.Queue()
        agent.on_presence(changes.put)
        h.call("close", handle=phone)
        wait_until(lambda: len(agent.presence_tracker.members) == 1, what="the phone to leave")
        self.assertTrue(agent.presence_tracker.users_present())
        self.assertTrue(changes.empty())
        h.call("close", handle=laptop)
        left = changes.get(timeout=10)
        self.assertEqual((left.type, left.principal_id, left.present_users), ("user-left", "alice", []))
        self.assertFalse(agent.users_present())
        back = h.call("device", session=session_id, principalId="alice", device="phone")
        self.addCleanup(h.call, "close", handle=back)
        returned = changes.get(timeout=10)
        self.assertEqual((returned.type, returned.principal_id, returned.present_users), ("user-returned", "alice", ["alice"]))

    def test_a_working_agent_is_present_for_other_devices(self) -> None:
        h = harness()
        session_id = new_session(h)
        agent = Session(h.url, session_id, h.token("bot", "agent", session_id), device="worker")
        user = Session(h.url, session_id, h.token("alice", "user", session_id))
        self.addCleanup(agent.close)
        self.addCleanup(user.close)
        device = h.call("device", session=session_id, principalId="alice", device="phone")
        self.addCleanup(h.call, "close", handle=device)
        question = h.call("send", handle=device, text="hi")
        bot = {"principalId": "bot", "role": "agent", "device": "worker"}
        with agent.reply(reply_to=question) as reply:
            reply.write("thinking")
            self.assertIn(bot, user.presence())
            stream = user.events(reply.start_offset or "-1")
            self.addCleanup(stream.close)
            announced = next(e for e in stream if e.type == "presence" and bot in e["members"])
            self.assertIn("alice", [m["principalId"] for m in announced["members"]])
            # The lease (1.5 s on the test server) is renewed while the agent works.
            renewals = wait_until(lambda: agent._announcer.renewals >= 2, what="two renewals")
            self.assertTrue(renewals)
            self.assertIn(bot, user.presence())
            # A Yjs device sees the agent in its own presence list (the server publishes it in awareness).
            seen = wait_until(
                lambda: [m for m in h.call("presence", handle=device) if m["principalId"] == "bot"],
                what="the Node device to see the Python agent",
            )
            self.assertEqual((seen[0]["role"], seen[0]["device"], seen[0]["self"]), ("agent", "worker", False))
        self.assertNotIn(bot, user.presence())
        wait_until(
            lambda: not [m for m in h.call("presence", handle=device) if m["principalId"] == "bot"],
            what="the Node device to see the Python agent leave",
        )

    def test_an_open_server_takes_the_principal_from_the_client(self) -> None:
        h = harness()
        session_id = new_session(h, open_server=True)
        agent = Session(h.open_url, session_id, principal_id="open-bot", role="agent")
        user = Session(h.open_url, session_id, principal_id="open-alice", role="user")
        self.addCleanup(agent.close)
        self.addCleanup(user.close)
        with user.present():
            self.assertTrue(agent.users_present())
            question = user.send_message("hello")
            with agent.reply(reply_to=question) as reply:
                reply.write("hi")
        self.assertFalse(agent.users_present())
        messages = user.transcript()["messages"]
        self.assertEqual([(m["author"], m["text"]) for m in messages], [("open-alice", "hello"), ("open-bot", "hi")])


class UserPresenceStopTest(unittest.TestCase):
    """The tracker alone, with a grace of 0: its timer reports ``user-left`` at once, in a thread of its own."""

    def leave(self, tracker: UserPresence) -> None:
        tracker.update([{"role": "user", "principalId": "alice"}])
        tracker.update([])

    def test_stop_returns_only_after_a_running_user_left_handler(self) -> None:
        tracker = UserPresence(grace_s=0)
        started, proceed = threading.Event(), threading.Event()
        order: "list[str]" = []

        def handler(_change: object) -> None:
            started.set()
            proceed.wait(10)
            order.append("handler returned")

        tracker.add_handler(handler)
        self.leave(tracker)
        self.assertTrue(started.wait(10), "no user-left")
        stopper = threading.Thread(target=lambda: (tracker.stop(), order.append("stop returned")))
        stopper.start()
        # A stop that does not wait returns at once: it would be done well within this bound.
        stopper.join(timeout=0.5)
        self.assertTrue(stopper.is_alive(), "stop returned while the handler was running")
        proceed.set()
        stopper.join(10)
        self.assertEqual(order, ["handler returned", "stop returned"])

    def test_stop_from_the_handler_itself_returns(self) -> None:
        tracker = UserPresence(grace_s=0)
        stopped = threading.Event()

        def handler(_change: object) -> None:
            tracker.stop()
            stopped.set()

        tracker.add_handler(handler)
        self.leave(tracker)
        self.assertTrue(stopped.wait(10), "stop called from the handler did not return")


if __name__ == "__main__":
    unittest.main()
