"""Test support: the live Node server (e2e/python/python-harness.ts), a TCP proxy that can cut or hold back
connections, and waiting on conditions.

One harness process serves every test of a run (started on first use, stopped at exit); each test uses a session
of its own.
"""
from __future__ import annotations

import atexit
import itertools
import json
import os
import select
import socket
import subprocess
import threading
import time
import unittest
import uuid
from typing import Any, Callable, Dict, List, Optional, TypeVar

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout_s: float = 10.0, what: str = "condition") -> T:
    """Polls ``condition`` until it returns a truthy value (returned); fails after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Harness:
    """The Node side: a server with auth (``url``), one without (``open_url``), one without auth but with a message
    policy (``policy_url``: contact details redacted, "forbidden words" rejected), tokens, Node devices and agents."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            ["node", "--import", "tsx", os.path.join(REPO, "e2e", "python", "python-harness.ts")],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._process.stdout is not None
        first = json.loads(self._process.stdout.readline())
        self.url: str = first["url"]
        self.open_url: str = first["openUrl"]
        self.policy_url: str = first["policyUrl"]
        self._ids = itertools.count(1)
        self._answers: Dict[int, Dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            answer = json.loads(line)
            with self._cond:
                self._answers[answer["id"]] = answer
                self._cond.notify_all()

    def call(self, cmd: str, **args: Any) -> Any:
        """Runs a harness command and returns its result."""
        command_id = next(self._ids)
        assert self._process.stdin is not None
        with self._cond:
            self._process.stdin.write(json.dumps({"id": command_id, "cmd": cmd, **args}) + "\n")
            self._process.stdin.flush()
            if not self._cond.wait_for(lambda: command_id in self._answers, timeout=30):
                raise AssertionError(f"harness command {cmd} got no answer")
            answer = self._answers.pop(command_id)
        if "error" in answer:
            raise AssertionError(f"harness command {cmd} failed: {answer['error']}")
        return answer["result"]

    def token(self, sub: str, role: str, session: str, ttl_seconds: int = 3600) -> str:
        """A token signed for the auth server, issued on its clock."""
        return self.call("mint", sub=sub, role=role, session=session, ttlSeconds=ttl_seconds)

    def stop(self) -> None:
        """Closes stdin (the harness stops) and waits for it."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            self._process.wait(timeout=5)


_harness: Optional[Harness] = None
_lock = threading.Lock()


def harness() -> Harness:
    """The run's harness, started on first use."""
    global _harness
    with _lock:
        if _harness is None:
            _harness = Harness()
            atexit.register(_harness.stop)
        return _harness


class AgentAndUserTest(unittest.TestCase):
    """A test on a session of its own, with an agent ``bot`` and a user ``alice`` connected to it over HTTP."""

    def setUp(self) -> None:
        from lifeline import Session

        self.h = harness()
        self.session_id = new_session(self.h)
        self.agent = Session(self.h.url, self.session_id, self.h.token("bot", "agent", self.session_id))
        self.user = Session(self.h.url, self.session_id, self.h.token("alice", "user", self.session_id))
        self.addCleanup(self.agent.close)
        self.addCleanup(self.user.close)

    def stored(self, message_id: str) -> dict:
        """The message ``message_id`` as the server's transcript holds it."""
        return next(m for m in self.user.transcript()["messages"] if m["id"] == message_id)


def new_session(h: Harness, *, open_server: bool = False) -> str:
    """Creates a session with a fresh id; returns the id."""
    from lifeline import create_session

    session_id = f"py-{uuid.uuid4().hex[:12]}"
    if open_server:
        create_session(h.open_url, session_id=session_id)
    else:
        create_session(h.url, h.token("owner", "user", "*"), session_id=session_id)
    return session_id


class Proxy:
    """A TCP proxy to a server: ``cut()`` resets every open connection; ``hold_sse`` holds back SSE answers (as a
    buffering proxy does); ``drop_responses`` forwards that many requests but drops their answers; ``posts`` holds
    the head (request line and headers) of every POST that passed."""

    def __init__(self, target_url: str) -> None:
        host, port = target_url.split("//", 1)[1].split(":")
        self._target = (host, int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.hold_sse = False
        self.drop_responses = 0
        self.cuts = 0
        self.sse_requests = 0
        self.long_polls = 0
        self.posts: List[str] = []
        self._sockets: List[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        holding = False
        dropping = False
        try:
            while True:
                readable, _, _ = select.select([client, upstream], [], [])
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        raise OSError("closed")
                    if source is client:
                        text = data.decode("latin-1")
                        # A chunk that starts a request (not the rest of one, e.g. its body) decides its fate.
                        if text.startswith(("GET ", "POST ", "HEAD ")):
                            holding = "live=sse" in text and self.hold_sse
                            self.sse_requests += "live=sse" in text
                            self.long_polls += "live=long-poll" in text
                            if text.startswith("POST "):
                                self.posts.append(text.split("\r\n\r\n", 1)[0])
                            with self._lock:
                                dropping = self.drop_responses > 0 and text.startswith("POST ")
                                if dropping:
                                    self.drop_responses -= 1
                        upstream.sendall(data)
                    elif dropping:
                        raise OSError("answer dropped")
                    elif not holding:
                        client.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def cut(self) -> None:
        """Resets every connection open through the proxy."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
            self.cuts += 1
        for sock in sockets:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        """Stops accepting and cuts what is open."""
        self._closed = True
        self._listener.close()
        self.cut()
