"""Creating sessions over HTTP: a session created with its own retention periods gets them back, and a bad period is
refused with BAD_REQUEST naming the field, creating nothing."""
from __future__ import annotations

import unittest
import uuid

from lifeline import SessionError, create_session

from .support import harness


class CreateSessionTest(unittest.TestCase):
    def test_a_session_created_with_its_own_retention_periods(self) -> None:
        h = harness()
        session_id = f"py-{uuid.uuid4().hex[:12]}"
        record = create_session(
            h.url, h.token("owner", "user", "*"), session_id=session_id, retention={"deleteAfterSeconds": 3600}
        )
        self.assertEqual(record["id"], session_id)
        self.assertEqual(record["owner"], "owner")
        self.assertEqual(record["retention"], {"deleteAfterSeconds": 3600})

    def test_a_bad_retention_period_is_refused_and_creates_nothing(self) -> None:
        h = harness()
        session_id = f"py-{uuid.uuid4().hex[:12]}"
        token = h.token("owner", "user", "*")
        with self.assertRaises(SessionError) as caught:
            create_session(h.url, token, session_id=session_id, retention={"deleteAfterSeconds": 0})
        self.assertEqual(caught.exception.code, "BAD_REQUEST")
        self.assertEqual(caught.exception.details.get("field"), "retention.deleteAfterSeconds")
        self.assertEqual(create_session(h.url, token, session_id=session_id)["id"], session_id)


if __name__ == "__main__":
    unittest.main()
