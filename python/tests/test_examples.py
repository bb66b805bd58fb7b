"""The examples of docs/python.md run as they are shown: the agent example answers a question that the user example
asks and prints, each in its own process, against the live server."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import unittest

from .support import REPO, harness, new_session

EXAMPLES = os.path.join(REPO, "python", "examples")


def docs_example(path: str, name: str) -> str:
    """The code of the block marked ``<!-- example: name -->`` in ``path`` (docs/README conventions)."""
    with open(os.path.join(REPO, path), encoding="utf-8") as file:
        match = re.search(rf"^<!-- example: {re.escape(name)} -->\n```python\n(.*?)^```$", file.read(), re.S | re.M)
    if match is None:
        raise AssertionError(f"{path} has no example named {name}")
    return match.group(1)


class ExamplesTest(unittest.TestCase):
    def test_the_docs_show_the_examples_as_they_are(self) -> None:
        for name, example in (("answer_agent.py", "answer-agent"), ("ask_user.py", "ask-user")):
            with open(os.path.join(EXAMPLES, name), encoding="utf-8") as file:
                self.assertEqual(file.read(), docs_example("docs/python.md", example))

    def test_the_agent_and_user_examples_talk_to_each_other(self) -> None:
        h = harness()
        session_id = new_session(h)
        env = {**os.environ, "PYTHONPATH": os.path.join(REPO, "python", "src")}
        agent = subprocess.Popen(
            [sys.executable, os.path.join(EXAMPLES, "answer_agent.py"), h.url, session_id, h.token("bot", "agent", session_id), "1"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.addCleanup(agent.wait, 10)
        user = subprocess.run(
            [sys.executable, os.path.join(EXAMPLES, "ask_user.py"), h.url, session_id, h.token("alice", "user", session_id), "hi?"],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
        )
        self.assertEqual(user.stdout, "Hello from Python\n[done]\n")
        out, _ = agent.communicate(timeout=30)
        self.assertRegex(out, r"^r_\w+ done redirect: None resume at \d{16}_\d{16}\n$")


if __name__ == "__main__":
    unittest.main()
