"""Agent replies: tokens coalesced into few appends, a lost answer retried and applied once, typed errors, and a
reply that fails when its block raises."""
from __future__ import annotations

import re
import unittest

from lifeline import ERROR_CODES, Session, SessionError

from .support import REPO, AgentAndUserTest, Proxy


class ReplyTest(AgentAndUserTest):
    def test_a_flood_of_tokens_is_coalesced_and_stored_whole(self) -> None:
        question = self.user.send_message("write a lot")
        tokens = [f"t{i} " for i in range(2000)]
        with self.agent.reply(reply_to=question) as reply:
            for token in tokens:
                reply.write(token)
        self.assertEqual(reply.status, "done")
        self.assertLess(reply.appends, len(tokens) / 10)
        stored = self.stored(reply.message_id)
        self.assertEqual((stored["text"], stored["status"], stored["replyTo"]), ("".join(tokens), "done", question))

    def test_a_traceparent_goes_with_every_append_of_the_reply(self) -> None:
        proxy = Proxy(self.h.url)
        self.addCleanup(proxy.close)
        agent = Session(proxy.url, self.session_id, self.h.token("bot", "agent", self.session_id))
        self.addCleanup(agent.close)
        question = self.user.send_message("traced")
        traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        with agent.reply(reply_to=question, announce_presence=False, traceparent=traceparent) as reply:
            reply.write("with a trace")
        self.assertEqual(self.stored(reply.message_id)["text"], "with a trace")
        appends = [head for head in proxy.posts if "/v1/stream/" in head.split("\r\n", 1)[0]]
        self.assertGreaterEqual(len(appends), 2)  # start, text and end
        for head in appends:
            self.assertIn(f"\r\ntraceparent: {traceparent}", head)
        with self.assertRaises(ValueError):
            agent.reply(reply_to=question, traceparent="not-a-traceparent")

    def test_an_append_whose_answer_was_lost_is_applied_once(self) -> None:
        proxy = Proxy(self.h.url)
        self.addCleanup(proxy.close)
        agent = Session(proxy.url, self.session_id, self.h.token("bot", "agent", self.session_id))
        self.addCleanup(agent.close)
        question = self.user.send_message("hi")
        with agent.reply(reply_to=question, announce_presence=False) as reply:
            reply.write("exactly ")
            reply.flush()
            proxy.drop_responses = 1
            reply.write("once")
            reply.flush()
        self.assertEqual(proxy.drop_responses, 0)
        self.assertGreaterEqual(agent.producer.retries, 1)
        self.assertEqual(self.stored(reply.message_id)["text"], "exactly once")

    def test_failures_are_typed_errors_with_the_protocol_codes(self) -> None:
        with self.assertRaises(SessionError) as unknown:
            with self.agent.reply(reply_to="no-such-message"):
                pass
        self.assertEqual((unknown.exception.code, unknown.exception.status), ("BAD_REQUEST", 400))
        with self.assertRaises(SessionError) as forbidden:
            with self.user.reply():
                pass
        self.assertEqual((forbidden.exception.code, forbidden.exception.status), ("FORBIDDEN", 403))
        with self.assertRaises(SessionError) as too_long:
            self.user.send_message("x" * 100_001)
        self.assertEqual(too_long.exception.code, "TEXT_TOO_LONG")
        self.assertEqual(too_long.exception.details, {"limit": 100_000, "length": 100_001})
        stranger = Session(self.h.url, self.session_id, self.h.token("mallory", "user", "another-session"))
        self.addCleanup(stranger.close)
        with self.assertRaises(SessionError) as other:
            stranger.transcript()
        self.assertEqual(other.exception.code, "FORBIDDEN")

    def test_a_block_that_raises_ends_the_reply_failed_with_its_text(self) -> None:
        question = self.user.send_message("try")
        with self.assertRaises(RuntimeError):
            with self.agent.reply(reply_to=question) as reply:
                reply.write("partial")
                raise RuntimeError("model crashed")
        self.assertEqual(reply.status, "failed")
        stored = self.stored(reply.message_id)
        self.assertEqual((stored["text"], stored["status"]), ("partial", "failed"))

    def test_the_error_codes_are_those_of_the_typescript_table(self) -> None:
        with open(f"{REPO}/shared/errors/error-codes.ts", encoding="utf-8") as file:
            rows = re.findall(r"^  ([A-Z_]+): \{ httpStatus: (\d+), closeCode: \d+, retryable: (true|false) \}", file.read(), re.M)
        self.assertGreater(len(rows), 20)
        self.assertEqual(ERROR_CODES, {code: (int(status), retry == "true") for code, status, retry in rows})


if __name__ == "__main__":
    unittest.main()
