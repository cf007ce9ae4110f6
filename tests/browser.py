"""
Headless Chromium for the dashboard tests, driven by Selenium, and a dnsops server to point it at.

Only the Debian browser is used (C{/usr/bin/chromium} with C{/usr/bin/chromedriver}); nothing is
ever downloaded. Without them, or without the C{selenium} package, the tests are skipped with
a reason that says what to install.

The server runs as C{twistd -n dnsops} in a child process rather than inside trial's reactor:
Selenium's calls block, and a server on the same thread could not answer the page they wait for.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from twisted.trial.unittest import SkipTest

CHROMIUM = os.environ.get("DNSOPS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DNSOPS_CHROMEDRIVER", "/usr/bin/chromedriver")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Where the screenshot tests write their PNGs (named in the README).
SCREENSHOTS = os.path.join(REPO, "tests", "screenshots")

#: (name, width, height) of the two window sizes every tab is checked at.
DESKTOP = ("desktop", 1280, 900)
PHONE = ("phone", 390, 844)

_LISTEN = re.compile(r"(dns udp|api http) listening on 127\.0\.0\.1:(\d+)")
_TOKEN = re.compile(r"API token: (\S+)")


def require_browser() -> None:
    """@raise SkipTest: Chromium, chromedriver or selenium is missing (saying how to get them)."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    if missing:
        raise SkipTest(
            f"{', '.join(missing)} not found: apt-get install chromium chromium-driver"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        raise SkipTest("selenium is not installed: pip install selenium")


@dataclass
class Server:
    """A C{twistd -n dnsops} child process and what its log said."""

    process: subprocess.Popen
    dns_port: int
    api_port: int
    token: str
    log_path: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}/"

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self) -> None:
        """SIGTERM, then wait (bounded) for the clean exit; kill it if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(directory: str, timeout: float = 20.0) -> Server:
    """
    Run C{twistd -n dnsops} on free loopback ports with a new database in C{directory}.

    Polls the child's log (every 0.1 s, at most C{timeout} seconds) for the listener lines
    and the token.
    """
    os.makedirs(directory, exist_ok=True)
    log_path = os.path.join(directory, "twistd.log")
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    command = [
        sys.executable, "-c", "from twisted.scripts.twistd import run; run()",
        "-n", "--pidfile=", "--logfile", log_path, "dnsops",
        "--db", os.path.join(directory, "dns.db"), "--port", "0", "--api-port", "0",
        "--no-doh", "--no-dot", "--interface", "127.0.0.1",
    ]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    ports, token, text = {}, None, ""
    while time.monotonic() < deadline:
        if os.path.exists(log_path):
            with open(log_path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            ports = dict(_LISTEN.findall(text))
            found = _TOKEN.search(text)
            token = found.group(1) if found else None
            if "dns udp" in ports and "api http" in ports and token:
                return Server(process, int(ports["dns udp"]), int(ports["api http"]), token,
                              log_path)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    process.wait(timeout=5)
    raise AssertionError(f"dnsops did not start within {timeout} s; its log:\n{text}")


class Browser:
    """One headless Chromium window; C{size(name)} switches between DESKTOP and PHONE."""

    def __init__(self, width: int = 1280, height: int = 900, dark: bool = False) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-extensions", "--hide-scrollbars",
                    f"--window-size={width},{height}", "--force-device-scale-factor=1",
                    "--lang=en-US"):
            options.add_argument(arg)
        if dark:
            options.add_argument("--force-dark-mode")
            options.add_argument("--blink-settings=preferredColorScheme=0")
        service = Service(executable_path=CHROMEDRIVER, log_output=subprocess.DEVNULL)
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_page_load_timeout(20)
        self.driver.set_script_timeout(20)

    def resize(self, width: int, height: int) -> None:
        """Make the page's viewport C{width} x C{height} CSS pixels (a phone, or a desktop)."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1,
            "mobile": width < 600,
        })

    def screenshot(self, name: str, full_page: bool = True) -> str:
        """Write C{tests/screenshots/NAME.png} (the whole page when C{full_page}); its path."""
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, f"{name}.png")
        driver = self.driver
        if full_page:
            metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
            size = metrics["cssContentSize"]
            viewport = metrics["cssLayoutViewport"]
            height = min(int(max(size["height"], viewport["clientHeight"])), 6000)
            import base64

            shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": viewport["clientWidth"], "height": height,
                         "scale": 1},
            })
            with open(path, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        else:
            driver.save_screenshot(path)
        return path

    def quit(self) -> None:
        self.driver.quit()


def remove_old_screenshots() -> None:
    """Empty the screenshot folder so that it holds only this run's pictures."""
    if os.path.isdir(SCREENSHOTS):
        shutil.rmtree(SCREENSHOTS)
    os.makedirs(SCREENSHOTS, exist_ok=True)
