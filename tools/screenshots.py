"""Make the README's screenshots: docs/inspector.png and docs/report.png.

Runs the real commands (`jobhook serve --ui --forward-to`, `jobhook check --format html`)
and photographs them in Debian's chromium through Playwright, as tests/browser does.

    python tools/screenshots.py            # needs chromium (apt-get install chromium)
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from jobhook_testkit import FakeSender, JobReportFactory
from jobhook_testkit.recorder import serve_recorder

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
AUTH = "Bearer s3cret"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1100, "height": 640}


def _started(err: Path, process: subprocess.Popen[bytes]) -> tuple[str, str]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and process.poll() is None:
        text = err.read_text()
        ui = re.search(r"inspector at (\S+)", text)
        at = re.search(r"listening on (\S+)", text)
        if ui and at:
            return at.group(1), ui.group(1)
        time.sleep(0.05)
    raise SystemExit(f"jobhook serve did not start: {err.read_text()}")


def _deliveries(url: str) -> None:
    factory = JobReportFactory(seed=2026)
    sender = FakeSender(url + "/hooks/reachfive", auth=AUTH)
    sender.deliver(factory.build(type="export", status="SUCCESS"))
    sender.deliver(factory.build(type="import", status="SUCCESS"))
    sender.deliver({**factory.build(type="import", status="FAILURE"), "total_failed": -1,
                    "region": "eu-west"})
    sender.deliver(body=b'{"id": "AYb3kQ2zVx81", "status": ')
    FakeSender(url + "/hooks/reachfive", auth="Bearer wrong").deliver()
    sender.deliver(factory.build(type="export", status="FAILURE"))


def inspector(browser_path: str, work: Path) -> None:
    err = work / "serve.err"
    with serve_recorder() as local, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobhook_testkit", "serve", "--port", "0", "--auth", AUTH,
             "--record", str(work / "deliveries.ndjson"), "--ui", "--forward-to",
             local.url + "{path}"], stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            url, ui = _started(err, process)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=browser_path, args=ARGS)
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(ui)
                page.wait_for_selector("#connection.online")
                _deliveries(url)
                page.locator("#deliveries tbody tr").nth(5).wait_for()
                page.wait_for_selector("tr[data-verdict=valid] td.forward:empty",
                                       state="detached")
                page.locator("#deliveries tbody tr[data-verdict=invalid]").click()
                page.wait_for_selector("#body .marked")
                page.fill("#replay input[name=url]", "http://localhost:3000/hooks/reachfive")
                page.screenshot(path=str(DOCS / "inspector.png"), full_page=True)
                browser.close()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=15)


def report(browser_path: str, work: Path) -> None:
    out = work / "report.html"
    subprocess.run(
        [sys.executable, "-m", "jobhook_testkit", "check", "--app",
         "examples/broken_receiver/app.py:create_app", "--path", "/hooks/jobs", "--auth", AUTH,
         "--seed", "1234", "--format", "html", "-o", str(out)],
        cwd=ROOT, env={**os.environ, "JOBHOOK_BREAK": "rejects-invalid-json"}, check=False,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=ARGS)
        page = browser.new_page(viewport={**VIEWPORT, "height": 860})
        page.goto(out.as_uri())
        page.screenshot(path=str(DOCS / "report.png"))
        browser.close()


def main() -> int:
    browser_path = os.environ.get("JOBHOOK_CHROMIUM") or shutil.which("chromium")
    if browser_path is None:
        print("no chromium: apt-get install chromium (or set JOBHOOK_CHROMIUM)", file=sys.stderr)
        return 2
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        inspector(browser_path, Path(work))
        report(browser_path, Path(work))
    for name in ("inspector.png", "report.png"):
        print(f"docs/{name}: {(DOCS / name).stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
