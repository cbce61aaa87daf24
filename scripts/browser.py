#!/usr/bin/env python3
"""Drive headless Chromium through the DevTools protocol over a pipe (no extra packages).

Used by the end-to-end tests to act in the dashboard as an operator would: sign in with a token,
read the page, click a form's button. Reads a JSON list of steps on stdin and prints a JSON list of
results, one per step:

  {"go": URL}                     navigate and wait for the page to load; result: the final URL
  {"eval": JS}                    evaluate an expression (promises are awaited); result: its value
  {"click": CSS}                  click the element and wait for the next page; result: the final URL
  {"fill": CSS, "value": TEXT}    set an input's value; result: true
  {"screenshot": PATH}            save the page as PNG (width × height from "size", default 800x1200); result: PATH
"""
import base64
import json
import os
import subprocess
import sys
import time


class Browser:
    def __init__(self, executable):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def wire():  # in the child: the protocol's pipe is fd 3 (read) and fd 4 (write)
            read, write = os.dup(to_chrome_r), os.dup(from_chrome_w)  # out of the way of 3 and 4 first
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.process = subprocess.Popen(
            [executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--user-data-dir=" + os.environ.get("BROWSER_PROFILE", "/tmp/baogong-browser"), "about:blank"],
            preexec_fn=wire, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.out = os.fdopen(to_chrome_w, "wb", buffering=0)
        self.inp = os.fdopen(from_chrome_r, "rb", buffering=0)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", {}, session=True)

    def read(self):
        while b"\0" not in self.buffer:
            chunk = self.inp.read(65536)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params, session=False):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.out.write(json.dumps(message).encode() + b"\0")
        while True:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for_load(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for i, event in enumerate(self.events):
                if event.get("method") == "Page.loadEventFired":
                    del self.events[: i + 1]
                    return
            self.events.append(self.read())
        raise RuntimeError("the page did not load")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                           session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        try:
            self.call("Browser.close", {})
        except Exception:
            pass
        self.process.wait(timeout=10)


def main():
    steps = json.load(sys.stdin)
    browser = Browser(sys.argv[1])
    results = []
    try:
        for step in steps:
            if "go" in step:
                browser.events.clear()
                browser.call("Page.navigate", {"url": step["go"]}, session=True)
                browser.wait_for_load()
                results.append(browser.evaluate("location.href"))
            elif "click" in step:
                browser.events.clear()
                browser.evaluate(f"document.querySelector({json.dumps(step['click'])}).click()")
                browser.wait_for_load()
                results.append(browser.evaluate("location.href"))
            elif "fill" in step:
                results.append(browser.evaluate(
                    f"(e => (e.value = {json.dumps(step['value'])}, true))(document.querySelector({json.dumps(step['fill'])}))"))
            elif "screenshot" in step:
                width, height = (int(v) for v in step.get("size", "800x1200").split("x"))
                browser.call("Emulation.setDeviceMetricsOverride",
                             {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=True)
                shot = browser.call("Page.captureScreenshot", {"format": "png"}, session=True)
                with open(step["screenshot"], "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
                results.append(step["screenshot"])
            elif "eval" in step:
                results.append(browser.evaluate(step["eval"]))
    finally:
        browser.close()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
