"""Headless Chromium driven over its DevTools pipe (standard library only): open a page, wait until it shows what a
person would look for, read its visible text, take a screenshot.

Chromium reads DevTools commands on fd 3 and writes replies on fd 4 (--remote-debugging-pipe), one JSON message per
NUL-terminated chunk. A page of the MLflow UI (a React app) renders after its fetches; `show` polls the page's
visible text until every expected phrase is there or the time is up, so the test asserts on what finally renders.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags every headless run here uses: no sandbox (root in a container), no GPU, nothing fetched from the network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Browser:
    """One Chromium process and one page; `with Browser(profile) as b: b.show(url, ["Runs"])`."""

    def __init__(self, profile, width: int = 1440, height: int = 900):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        high = [os.dup(fd) for fd in (to_chrome_r, from_chrome_w)]  # out of the way of fds 3 and 4

        def child_fds() -> None:  # in the child: fd 3 = its commands, fd 4 = its replies (kept: pass_fds)
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                                      f"--window-size={width},{height}"], pass_fds=(3, 4, *high), preexec_fn=child_fds,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in (to_chrome_r, from_chrome_w, *high):
            os.close(fd)
        self._buffer, self._id = b"", 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (OSError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass

    def call(self, method: str, session: bool = False, timeout: float = 120, **params):
        """Send one DevTools command and return its result (events that arrive meanwhile are dropped)."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
        raise RuntimeError(f"{method}: no reply within {timeout} s")

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", session=True, url=url)

    def text(self) -> str:
        """The page's visible text, whitespace collapsed."""
        return " ".join((self.evaluate("document.body ? document.body.innerText : ''") or "").split())

    def show(self, url: str, expect: list[str], timeout: float = 120) -> str:
        """Open `url` and wait until its visible text holds every phrase of `expect` (or the time is up): that text."""
        self.open(url)
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if all(e in text for e in expect) or time.monotonic() > deadline:
                time.sleep(1)  # the last fetches settle: a screenshot after this shows what the text said
                return self.text()
            time.sleep(0.5)

    def screenshot(self, path) -> None:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
