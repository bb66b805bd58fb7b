"""The message policy over HTTP (PROTOCOL.md §8.8): a reply holds back its trailing word and number, so an e-mail
address or a phone number streamed in pieces is stored redacted and never appears in the event stream in the clear;
a rejected message raises POLICY_REJECTED with the policy's reason."""
from __future__ import annotations

import unittest
import uuid

from lifeline import Session, SessionError, create_session
from lifeline.reply import sendable_length

from .support import harness


class PolicyTest(unittest.TestCase):
    def setUp(self) -> None:
        self.h = harness()
        self.session_id = f"py-{uuid.uuid4().hex[:12]}"
        create_session(self.h.policy_url, session_id=self.session_id)
        self.agent = Session(self.h.policy_url, self.session_id, principal_id="bot")
        self.addCleanup(self.agent.close)

    def test_an_address_split_over_three_tokens_is_stored_redacted(self) -> None:
        with self.agent.reply() as reply:
            reply.write("Hello. ")
            reply.flush()
            for token in ["Write to ali", "ce@exam", "ple.com today."]:
                reply.write(token)
                reply.flush()  # without the hold-back, each token would be an append of its own
        self.assertEqual(self.agent.producer.policy_hold_back_chars, 64)
        stored = next(m for m in self.agent.transcript()["messages"] if m["id"] == reply.message_id)
        self.assertEqual(stored["text"], "Hello. Write to [email] today.")
        deltas = [
            event.get("text", "")
            for event in self.agent.events(live=False)
            if event.get("messageId") == reply.message_id
        ]
        self.assertEqual("".join(deltas), "Hello. Write to [email] today.")
        self.assertFalse(any("ali" in delta or "exam" in delta for delta in deltas), deltas)

    def test_a_rejected_message_raises_the_policy_reason(self) -> None:
        with self.assertRaises(SessionError) as rejected:
            self.agent.send_message("these are forbidden words")
        self.assertEqual((rejected.exception.code, rejected.exception.status), ("POLICY_REJECTED", 422))
        self.assertEqual(rejected.exception.message, "no forbidden words here")

    def test_sendable_length_matches_the_node_sdk(self) -> None:
        self.assertEqual(sendable_length("lorem ipsum dol", False, 64), len("lorem ipsum"))
        self.assertEqual(sendable_length("write to alice@exa", False, 64), len("write to"))
        self.assertEqual(sendable_length("lorem ipsum dol", True, 64), len("lorem ipsum dol"))
        self.assertEqual(sendable_length("lorem ipsum dol", False, 0), len("lorem ipsum dol"))
        for text in ["call +1 (555) 123-45", "call +1 (555) 123 ", "call 030 1234 5678"]:
            self.assertEqual(sendable_length(text, False, 64), len("call"))
        self.assertEqual(sendable_length("y" * 640, False, 64), 640 - 128)

    def test_a_phone_number_split_over_tokens_is_stored_redacted(self) -> None:
        with self.agent.reply() as reply:
            for token in ["Call +1 (555) ", "123-", "4567 now."]:
                reply.write(token)
                reply.flush()
        stored = next(m for m in self.agent.transcript()["messages"] if m["id"] == reply.message_id)
        self.assertEqual(stored["text"], "Call [phone] now.")


if __name__ == "__main__":
    unittest.main()
