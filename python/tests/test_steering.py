"""Live steering across SDKs: a stop from a Node device reaches a Python agent, a Python user redirects a Python
agent, and a Python user steers a Node agent and follows its replies."""
from __future__ import annotations

import threading
import unittest

from lifeline import ReplyStopped

from .support import AgentAndUserTest, wait_until


class SteeringTest(AgentAndUserTest):
    def test_a_stop_from_a_node_device_ends_the_python_reply(self) -> None:
        device = self.h.call("device", session=self.session_id, principalId="alice", device="phone")
        self.addCleanup(self.h.call, "close", handle=device)
        question = self.h.call("send", handle=device, text="tell me everything")
        cleaned_up = []
        written = 0
        with self.agent.reply(reply_to=question) as reply:
            try:
                while True:  # an endless model: only a stop ends it
                    reply.write(f"w{written} ")
                    written += 1
                    if written == 50:
                        reply.flush()
                        self.h.call("steer", handle=device, kind="stop", target=reply.message_id)
                    if written > 50:
                        reply.stop_event.wait(0.01)
                    if written > 2_000:
                        self.fail("the stop never reached the reply")
            finally:
                cleaned_up.append(True)
        self.assertEqual(cleaned_up, [True])
        self.assertTrue(reply.stopped)
        self.assertEqual((reply.status, reply.steer["kind"], reply.steer["author"]), ("stopped", "stop", "alice"))
        self.assertIsNone(reply.redirect)
        stored = self.stored(reply.message_id)
        self.assertEqual(stored["status"], "stopped")
        self.assertTrue(stored["text"].startswith("w0 w1 "))
        node_view = wait_until(
            lambda: [m for m in self.h.call("messages", handle=device) if m["id"] == reply.message_id and m["status"] == "stopped"],
            what="the Node device to see the stopped reply",
        )
        self.assertEqual(node_view[0]["text"], stored["text"])

    def test_a_redirect_hands_its_text_to_the_python_agent(self) -> None:
        question = self.user.send_message("write in English")
        started = threading.Event()

        def steer() -> None:
            started.wait(10)
            self.user.redirect(reply_id[0], "in French please")

        reply_id = []
        threading.Thread(target=steer, daemon=True).start()
        with self.agent.reply(reply_to=question) as reply:
            reply_id.append(reply.message_id)
            reply.write("Hello")
            reply.flush()
            started.set()
            self.assertTrue(reply.stop_event.wait(10))
            with self.assertRaises(ReplyStopped):
                reply.write(" world")
        self.assertEqual((reply.status, reply.redirect), ("stopped", "in French please"))
        with self.agent.reply(reply_to=question) as answer:
            answer.write("Bonjour")
        self.assertEqual(self.stored(reply.message_id)["status"], "stopped")
        self.assertEqual(self.stored(answer.message_id)["text"], "Bonjour")

    def test_a_python_user_steers_a_node_agent(self) -> None:
        agent = self.h.call("agent", session=self.session_id, agentId="node-bot", tokens=[f"n{i} " for i in range(400)], delayMs=10)
        self.addCleanup(self.h.call, "close", handle=agent)
        events = self.user.events()
        self.addCleanup(events.close)
        question = self.user.send_message("count slowly")
        reply = next(e for e in events if e.type == "message.created" and e.get("replyTo") == question)
        self.assertEqual(reply["author"], "node-bot")
        follower = self.user.follow_reply(reply["messageId"], events.offset)
        first = next(follower)
        self.assertTrue(first.startswith("n0"))
        self.user.redirect(reply["messageId"], "just say hi")
        rest = list(follower)
        self.assertEqual(follower.status, "stopped")
        self.assertLess(len((first + "".join(rest)).split()), 400)
        redirected = next(
            e for e in events if e.type == "message.created" and e["author"] == "node-bot" and e["messageId"] != reply["messageId"]
        )
        answer = self.user.follow_reply(redirected["messageId"], events.offset)
        self.assertEqual("".join(answer), "redirected: just say hi")
        self.assertEqual(answer.status, "done")


if __name__ == "__main__":
    unittest.main()
