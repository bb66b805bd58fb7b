"""The asyncio API has the shape of the synchronous one: an agent streams a reply that a Node device stops, and a
user follows the stream and the reply."""
from __future__ import annotations

import asyncio
import unittest

from lifeline.aio import AsyncSession

from .support import harness, new_session


async def _until(events, event_type):
    async for event in events:
        yield event
        if event.type == event_type:
            return


class AsyncioTest(unittest.IsolatedAsyncioTestCase):
    async def test_an_asyncio_agent_is_stopped_by_a_node_device_and_a_user_follows_it(self) -> None:
        h = harness()
        session_id = new_session(h)
        agent = AsyncSession(h.url, session_id, h.token("bot", "agent", session_id))
        user = AsyncSession(h.url, session_id, h.token("alice", "user", session_id))
        self.addAsyncCleanup(agent.close)
        self.addAsyncCleanup(user.close)
        device = await asyncio.to_thread(h.call, "device", session=session_id, principalId="alice", device="phone")
        self.addCleanup(h.call, "close", handle=device)
        events = user.events()
        self.addAsyncCleanup(events.aclose)
        question = await user.send_message("stream forever")
        created = [event async for event in _until(events, "message.created")]
        self.assertEqual(created[-1]["messageId"], question)

        async def tokens():
            index = 0
            while index < 5_000:
                yield f"a{index} "
                index += 1
                await asyncio.sleep(0.002)

        cleaned_up = False
        async with agent.reply(reply_to=question) as reply:
            try:
                async for token in tokens():
                    await reply.write(token)
                    if token == "a20 ":
                        await reply.flush()
                        await asyncio.to_thread(h.call, "steer", handle=device, kind="stop", target=reply.message_id)
            finally:
                cleaned_up = True
        self.assertTrue(cleaned_up)
        self.assertEqual((reply.status, reply.stopped, reply.steer_marked), ("stopped", True, True))
        follower = user.follow_reply(reply.message_id, events.offset)
        text = "".join([chunk async for chunk in follower])
        self.assertEqual(follower.status, "stopped")
        self.assertTrue(text.startswith("a0 a1 "))
        self.assertLess(len(text.split()), 5_000)
        stored = next(m for m in (await user.transcript())["messages"] if m["id"] == reply.message_id)
        self.assertEqual(stored["text"], text)


if __name__ == "__main__":
    unittest.main()
