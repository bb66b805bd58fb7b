"""Tokens: a token provider keeps a reader and an agent working across token expiry (the server's clock is moved
past it), and a fixed token that expired fails with a clear TOKEN_EXPIRED."""
from __future__ import annotations

import unittest

from lifeline import Session, SessionError

from .support import harness, new_session


class TokenTest(unittest.TestCase):
    def test_a_token_provider_keeps_the_session_working_past_expiry(self) -> None:
        h = harness()
        session_id = new_session(h)
        issued = []

        def provider() -> str:
            issued.append(h.token("bot", "agent", session_id, ttl_seconds=60))
            return issued[-1]

        agent = Session(h.url, session_id, provider)
        user = Session(h.url, session_id, h.token("alice", "user", session_id, ttl_seconds=86_400))
        self.addCleanup(agent.close)
        self.addCleanup(user.close)
        question = user.send_message("take your time")
        stream = agent.events()
        self.addCleanup(stream.close)
        self.assertEqual(next(stream)["messageId"], question)
        with agent.reply(reply_to=question) as reply:
            reply.write("before ")
            reply.flush()
            h.call("advanceClock", ms=120_000)  # every token issued so far has expired on the server
            reply.write("after")
        self.assertGreaterEqual(len(issued), 2)
        self.assertEqual(reply.status, "done")
        done = next(e for e in stream if e.type == "message.done" and e["messageId"] == reply.message_id)
        self.assertEqual(done["messageId"], reply.message_id)
        texts = [m["text"] for m in user.transcript()["messages"]]
        self.assertEqual(texts, ["take your time", "before after"])

    def test_an_expired_fixed_token_fails_with_token_expired(self) -> None:
        h = harness()
        session_id = new_session(h)
        user = Session(h.url, session_id, h.token("alice", "user", session_id, ttl_seconds=30))
        self.addCleanup(user.close)
        user.send_message("still valid")
        h.call("advanceClock", ms=60_000)
        with self.assertRaises(SessionError) as expired:
            user.send_message("too late")
        self.assertEqual((expired.exception.code, expired.exception.status), ("TOKEN_EXPIRED", 401))
        self.assertIn("token provider", expired.exception.message)
        with self.assertRaises(SessionError) as reading:
            next(user.events())
        self.assertEqual(reading.exception.code, "TOKEN_EXPIRED")


if __name__ == "__main__":
    unittest.main()
