"""Live steering across SDKs: a stop from a Node device reaches a Python agent, which marks it handled; a Python user
redirects a Python agent; a Python user steers a Node agent and follows its replies; a steer another agent marked
handled is not marked again."""
from __future__ import annotations

import threading
import unittest

from lifeline import ReplyStopped, Session

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
        self.assertTrue(reply.steer_marked)
        handled = wait_until(
            lambda: [s for s in self.h.call("steering", handle=device) if s["id"] == reply.steer["steerId"] and "handledBy" in s],
            what="the Node device to see the stop handled",
        )
        self.assertEqual(handled[0]["handledBy"], "bot")
        self.assertIsInstance(handled[0]["handledAt"], (int, float))

    def test_a_steer_another_agent_marked_handled_is_not_marked_again(self) -> None:
        from lifeline import SessionError

        question = self.user.send_message("hello")
        stop = self.user.stop()  # untargeted: any agent may take it
        other = Session(self.h.url, self.session_id, self.h.token("bot-2", "agent", self.session_id))
        self.addCleanup(other.close)
        other.producer.append([{"type": "handled", "steerId": stop}])
        other.producer.append([{"type": "handled", "steerId": stop}])  # its own mark again: nothing changes
        with self.assertRaises(SessionError) as taken:
            self.agent.producer.append([{"type": "handled", "steerId": stop}])
        self.assertEqual((taken.exception.code, taken.exception.status), ("STEER_ALREADY_HANDLED", 409))
        self.assertEqual(taken.exception.details["handledBy"], "bot-2")
        with self.assertRaises(SessionError) as unknown:
            self.agent.producer.append([{"type": "handled", "steerId": "st_missing"}])
        self.assertEqual(unknown.exception.code, "BAD_REQUEST")
        with self.assertRaises(SessionError) as forbidden:
            self.user.producer.append([{"type": "handled", "steerId": stop}])
        self.assertEqual(forbidden.exception.code, "FORBIDDEN")
        # The refused batches used no sequence number: the agent's next reply is written as usual.
        with self.agent.reply(reply_to=question) as reply:
            reply.write("hi")
        self.assertEqual(self.stored(reply.message_id)["text"], "hi")

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
