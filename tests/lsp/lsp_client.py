"""A small synchronous LSP client for tests and bench/lsp: starts `modelcheck lsp` as a real
process and speaks JSON-RPC with it over stdio (Content-Length framing), as an editor does."""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0  # seconds; generous, so that a slow machine fails on a result, not a timeout


def position_of(text: str, needle: str, nth: int = 0, offset: int = 0) -> tuple[int, int]:
    """0-based (line, column) of the nth occurrence of needle, plus offset characters."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += offset
    line = text.count("\n", 0, at)
    return line, at - (text.rfind("\n", 0, at) + 1)


class LspError(Exception):
    """The server answered a request with an error."""

    def __init__(self, error: dict):
        super().__init__(error.get("message", ""))
        self.code = error.get("code")


class LspSession:
    def __init__(self, cwd: Path = REPO):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "lsp"], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.incoming: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        self.stderr: list[bytes] = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()

    # ------------------------------------------------------------ framing
    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.incoming.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.incoming.put(json.loads(out.read(length)))

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _next(self, deadline: float) -> dict:
        try:
            msg = self.incoming.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(f"no message from the server; its stderr: {self.stderr_text()}") from None
        if msg is None:
            raise EOFError(f"the server closed its output; its stderr: {self.stderr_text()}")
        if "method" in msg and "id" in msg:  # a request from the server: accept it
            self._send({"id": msg["id"], "result": None})
        elif "method" in msg:
            self.notifications.append(msg)
        return msg

    def stderr_text(self) -> str:
        return b"".join(self.stderr).decode(errors="replace")[-3000:]

    # ------------------------------------------------------------ messages
    def request(self, method: str, params: dict | None = None, timeout: float = TIMEOUT):
        self.next_id += 1
        my_id = self.next_id
        self._send({"id": my_id, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            msg = self._next(deadline)
            if msg.get("id") == my_id and "method" not in msg:
                if "error" in msg:
                    raise LspError(msg["error"])
                return msg.get("result")

    def notify(self, method: str, params: dict) -> None:
        self._send({"method": method, "params": params})

    def wait_notification(self, method: str, match=lambda params: True, timeout: float = TIMEOUT) -> dict:
        """The params of the first notification `method` (received before or after) that match."""
        seen = 0
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.notifications[seen:]:
                if msg["method"] == method and match(msg["params"]):
                    self.notifications.remove(msg)
                    return msg["params"]
            seen = len(self.notifications)
            self._next(deadline)

    # ------------------------------------------------------------ the usual steps
    def initialize(self) -> dict:
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": REPO.as_uri(),
                                             "capabilities": {}})
        self.notify("initialized", {})
        return result

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "modelcheck",
                                                             "version": version, "text": text}})

    def change(self, uri: str, version: int, changes: list[dict]) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": changes})

    def diagnostics(self, uri: str, version: int | None = None) -> list[dict]:
        """The diagnostics the server publishes for uri (at that document version, if given)."""
        params = self.wait_notification(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and (version is None or p.get("version") == version))
        return params["diagnostics"]

    def close(self) -> int:
        """shutdown, exit; the server's exit code."""
        try:
            self.request("shutdown")
            self.notify("exit", {})
            return self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
