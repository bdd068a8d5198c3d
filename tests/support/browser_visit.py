#!/usr/bin/env python3
"""Opens a page of the exporter in a real headless chromium and says what a person would have seen.

Drives chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: commands on the browser's fd 3,
answers and events on its fd 4, each a JSON text ended by a NUL byte), with the standard library only. It loads
URL, then, with --follow SELECTOR, clicks the first element that matches and waits for the page the click opens.
For each page it prints, as one JSON object on stdout:
  {"pages": [{"url": ..., "text": document.body.innerText, "rows": [{"class": ..., "cells": [...], "href": ...}],
              "errors": ["what the console or the network reported", ...]}, ...]}
"errors" holds uncaught exceptions, console.error/warn calls, log entries at warning or error level (where Chrome
reports a resource it could not load) and responses with a status of 400 or more. With --screenshot FILE the first
page is also saved as a PNG of --width x --height CSS pixels. Each step waits --timeout seconds at most; on timeout
or a browser that dies it exits 1 with the reason on stderr.
"""
import argparse
import base64
import fcntl
import json
import os
import select
import subprocess
import sys
import tempfile
import time

ROWS_JS = """JSON.stringify(Array.from(document.querySelectorAll('table tr')).filter(r => r.querySelector('td'))
  .map(r => ({class: r.className, cells: Array.from(r.cells).map(c => c.textContent),
              href: (r.querySelector('a') || {getAttribute: () => ''}).getAttribute('href')})))"""


class Browser:
    def __init__(self, chromium, timeout, width, height):
        self.timeout = timeout
        self.next_id = 0
        self.events = []
        self.buffer = b""
        self.profile = tempfile.TemporaryDirectory(prefix="spe-chromium-")
        # Its own output, for the reason when it fails. The pipes' other ends are not inherited (os.pipe makes them
        # close-on-exec), so with close_fds=False the browser gets only 0-4.
        self.log = open(os.path.join(self.profile.name, "chromium.log"), "w+b")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def child_fds():  # the browser reads fd 3 and writes fd 4 (out of the way first: either may be 3 or 4)
            read_end = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        # --no-sandbox: root (CI) cannot use chromium's sandbox, and the page is the test's own.
        self.process = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
             "--disable-background-networking", "--user-data-dir=" + self.profile.name,
             "--window-size=%d,%d" % (width, height), "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, close_fds=False, preexec_fn=child_fds,
            start_new_session=True)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.session = None
        self.width = width
        self.height = height

    def close(self):
        try:
            self.send("Browser.close", session=False, wait=False)
        except OSError:
            pass
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()
        self.log.close()
        self.profile.cleanup()

    def read_message(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium within %g s" % self.timeout)
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if ready:
                chunk = os.read(self.from_browser, 65536)
                if not chunk:
                    raise RuntimeError("chromium closed its DevTools pipe (exit status %s)" % self.process.poll())
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=True, wait=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        if not wait:
            return None
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self.read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method):
        deadline = time.monotonic() + self.timeout
        for index, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(index)
        while True:
            event = self.read_message(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)

    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(domain + ".enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError("evaluating %r: %s" % (expression, result["exceptionDetails"]))
        return result["result"].get("value")

    def errors(self):
        """What went wrong since the last call, from the events read so far; clears them."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append("exception: " + details.get("exception", {}).get("description", details.get("text")))
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning", "assert"):
                found.append("console.%s: %s" % (params["type"],
                                                 " ".join(str(a.get("value", a.get("description")))
                                                          for a in params["args"])))
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                entry = params["entry"]
                found.append("log %s: %s %s" % (entry["level"], entry["text"], entry.get("url", "")))
            elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
                found.append("HTTP %d for %s" % (params["response"]["status"], params["response"]["url"]))
            elif method == "Network.loadingFailed":
                found.append("loading failed: %s" % params.get("errorText"))
        self.events.clear()
        return found

    def settle(self, seconds=0.5):
        """Keeps the events of the next moments: a browser asks for an icon, say, after the load event."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self.read_message(deadline))
        except TimeoutError:
            pass

    def page(self):
        self.settle()
        return {"url": self.evaluate("location.href"), "text": self.evaluate("document.body.innerText"),
                "rows": json.loads(self.evaluate(ROWS_JS)), "errors": self.errors()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--follow", help="a CSS selector: click the first match and report the page it opens")
    parser.add_argument("--screenshot", help="save the first page as this PNG")
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--height", type=int, default=600)
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--chromium", default="chromium")
    args = parser.parse_args()

    browser = Browser(args.chromium, args.timeout, args.width, args.height)
    try:
        browser.open_page()
        browser.send("Page.navigate", {"url": args.url})
        browser.wait_event("Page.loadEventFired")
        pages = [browser.page()]
        if args.screenshot:
            shot = browser.send("Page.captureScreenshot", {"format": "png"})
            with open(args.screenshot, "wb") as out:
                out.write(base64.b64decode(shot["data"]))
        if args.follow:
            found = browser.evaluate("(() => { const a = document.querySelector(%s); if (a) a.click(); return !!a; })()"
                                     % json.dumps(args.follow))
            if not found:
                raise RuntimeError("nothing on %s matches %s" % (args.url, args.follow))
            browser.wait_event("Page.loadEventFired")
            pages.append(browser.page())
        print(json.dumps({"pages": pages}))
    except (TimeoutError, RuntimeError, OSError) as error:
        browser.log.seek(0)
        output = browser.log.read().decode(errors="replace")[-4000:]
        print("browser_visit: %s\nchromium's output:\n%s" % (error, output), file=sys.stderr)
        return 1
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
