"""Headless Chromium driven over the Chrome DevTools protocol (websockets), for the site tests.

`Browser.open(url)` loads a page and returns what an auditor's browser saw: every request made, every
console message and uncaught exception, the DOM (via a JS expression) and a full-page screenshot.
DNS is disabled (`--host-resolver-rules`), so a request that tries to leave the machine fails and
is recorded instead of reaching the internet.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def ensure_chromium() -> str:
    """Debian's chromium package, installed when missing (CI runs on a fresh machine as root)."""
    found = shutil.which("chromium")
    if found:
        return found
    import fcntl

    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    # make test runs its two passes at once: one installs, the other waits here, then finds it
    with open(Path(tempfile.gettempdir()) / "oversight-chromium-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shutil.which("chromium") and subprocess.run(install, env=env, capture_output=True).returncode:
            subprocess.run(["apt-get", "update"], env=env, check=True, capture_output=True)
            subprocess.run(install, env=env, check=True, capture_output=True)
    found = shutil.which("chromium")
    if not found:
        raise RuntimeError("apt-get install chromium did not provide a chromium binary")
    return found


@dataclass
class PageVisit:
    url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    value: Any = None

    @property
    def remote_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file://", "data:", "about:", "blob:"))]


class Browser:
    def __init__(self, binary: str) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="oversight-chromium-"))
        self.process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                f"--user-data-dir={self.profile}",
                "--window-size=1300,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.ws_url = self._devtools_url()
        from websockets.sync.client import connect

        self._connection = connect(self.ws_url, max_size=None, open_timeout=30)
        self.ws = self._connection.__enter__()
        self.ids = itertools.count(1)
        self._events: list[dict] = []

    def _devtools_url(self) -> str:
        """Chromium writes the port and path of its DevTools endpoint to <profile>/DevToolsActivePort."""
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if marker.exists():
                lines = marker.read_text().split()
                if len(lines) >= 2:
                    return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("chromium did not start its DevTools endpoint")

    def send(
        self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60
    ) -> dict:
        message_id = next(self.ids)
        payload: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            payload["sessionId"] = session
        self.ws.send(json.dumps(payload))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if "method" in message:
                self._events.append(message)
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def open(self, url: str, screenshot: Path | None = None, expression: str | None = None) -> PageVisit:
        """Load url in a new tab; wait for the load event and for the network to go quiet."""
        self._events = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable", session=session)
        self._events = []
        self.send("Page.navigate", {"url": url}, session=session)
        visit = PageVisit(url=url)
        loaded_at = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                message = json.loads(self.ws.recv(timeout=0.5))
                self._events.append(message)
            except TimeoutError:
                if loaded_at is not None and time.monotonic() - loaded_at > 1.0:
                    break
                continue
            if message.get("method") == "Page.loadEventFired":
                loaded_at = time.monotonic()
        for event in self._events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                visit.requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                visit.failed_requests.append(f"{params.get('errorText')} ({params.get('requestId')})")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                visit.console_errors.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Runtime.exceptionThrown":
                visit.console_errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                visit.console_errors.append(f"{params['entry'].get('source')}: {params['entry'].get('text')}")
        if expression:
            result = self.send(
                "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
            )
            visit.value = result.get("result", {}).get("value")
        if screenshot is not None:
            metrics = self.send("Page.getLayoutMetrics", session=session)
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            shot = self.send(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {
                        "x": 0,
                        "y": 0,
                        "width": size["width"],
                        "height": min(size["height"], 6000),
                        "scale": 1,
                    },
                },
                session=session,
            )
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        self.send("Target.closeTarget", {"targetId": target})
        return visit

    def close(self) -> None:
        try:
            self._connection.__exit__(None, None, None)
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
