# -*- test-case-name: tests.test_dashboard -*-
"""
The dashboard end to end: headless Chromium against a real C{twistd dnsops}, asked over DNS too.

Each test starts its own server (a child process, see L{tests.browser}) and browser, so no test
depends on another's data. The screenshot test writes every tab at 1280 px and 390 px to
C{tests/screenshots/}.
"""

import json
import os
import time
import urllib.error
import urllib.request

import dns.message
import dns.query
import dns.rdatatype
from twisted.trial.unittest import SynchronousTestCase

from tests import browser

TABS = ("overview", "zones", "records", "nameservers", "blocklist", "upstream", "cache", "logs",
        "config", "keys", "docs", "deploy")

XSS = "<img src=x onerror=alert(1)>"


class DashboardTestCase(SynchronousTestCase):
    """A started server and a browser on its dashboard, with small helpers to drive it."""

    width, height = 1280, 900

    def setUp(self) -> None:
        browser.require_browser()
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait

        from selenium.common.exceptions import StaleElementReferenceException, TimeoutException

        self.By, self.EC, self.Wait = By, EC, WebDriverWait
        self.Stale, self.Timeout = StaleElementReferenceException, TimeoutException
        self.server = browser.start_server(os.path.abspath(self.mktemp()))
        self.addCleanup(self.server.stop)
        self.browser = browser.Browser(self.width, self.height)
        self.addCleanup(self.browser.quit)
        self.driver = self.browser.driver

    # REST and DNS, for setting up and checking what the page did

    def rest(self, method: str, path: str, body: object = None) -> object:
        """Call the API with the admin token; the JSON answer (None for 204)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.server.api_port}{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {self.server.token}",
                     "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def query(self, name: str, rdtype: str) -> dns.message.Message:
        """Ask the server over UDP (blocking: the server is another process)."""
        q = dns.message.make_query(name, rdtype, use_edns=0)
        return dns.query.udp(q, "127.0.0.1", port=self.server.dns_port, timeout=2)

    def answer_within(self, name: str, rdtype: str, seconds: float = 5.0) -> list[str]:
        """The answer's rdata texts, polling (every 0.2 s, at most C{seconds}) until non-empty."""
        deadline = time.monotonic() + seconds
        while True:
            response = self.query(name, rdtype)
            texts = [rd.to_text() for rrset in response.answer for rd in rrset
                     if rrset.rdtype == dns.rdatatype.from_text(rdtype)]
            if texts or time.monotonic() > deadline:
                return texts
            time.sleep(0.2)

    # the page

    def wait(self, seconds: float = 10):
        return self.Wait(self.driver, seconds)

    def find(self, css: str, seconds: float = 10):
        """The first visible element matching C{css}, waiting for it."""
        try:
            return self.wait(seconds).until(
                self.EC.visibility_of_element_located((self.By.CSS_SELECTOR, css)))
        except self.Timeout:
            self.fail(f"no visible {css} within {seconds} s")

    def find_text(self, css: str, text: str, seconds: float = 10):
        """Wait until some element matching C{css} contains C{text}; that element."""

        def found(driver):
            for element in driver.find_elements(self.By.CSS_SELECTOR, css):
                try:
                    if text in element.text:
                        return element
                except self.Stale:
                    continue
            return False

        try:
            return self.wait(seconds).until(found)
        except self.Timeout:
            self.fail(f"no {css} containing {text!r} within {seconds} s")

    def gone(self, css: str, seconds: float = 10) -> None:
        self.wait(seconds).until(
            self.EC.invisibility_of_element_located((self.By.CSS_SELECTOR, css)))

    def sign_in(self, token: str | None = None) -> None:
        """Open the dashboard and sign in through the modal the first 401 opens."""
        self.driver.get(self.server.url)
        field = self.find("dialog[open] input[name=token]")
        field.send_keys((token or self.server.token) + "\n")
        self.gone("dialog[open]")
        self.find("#sign-out")

    def open_tab(self, tab: str) -> None:
        self.driver.find_element(self.By.CSS_SELECTOR, f'#tabs a[data-tab="{tab}"]').click()
        self.find(f'main[data-tab="{tab}"]')

    def modal(self):
        return self.find("dialog[open]")

    def fill_modal(self, **values: str) -> None:
        """Type into the open modal's fields, by name."""
        dialog = self.modal()
        for name, value in values.items():
            element = dialog.find_element(self.By.NAME, name)
            if element.tag_name == "select":
                from selenium.webdriver.support.ui import Select

                Select(element).select_by_value(value)
            else:
                element.clear()
                element.send_keys(value)


class SignInTests(DashboardTestCase):
    """Signing in and out, and what a 401 does."""

    def test_sign_in(self) -> None:
        """If a wrong token is given, then the modal says so; the right one signs in."""
        self.driver.get(self.server.url)
        field = self.find("dialog[open] input[name=token]")
        field.send_keys("wrong-token\n")
        error = self.find_text("dialog[open] .field-error", "invalid bearer token")
        self.assertTrue(error.is_displayed())
        field.clear()
        field.send_keys(self.server.token + "\n")
        self.gone("dialog[open]")
        self.find_text("#st-uptime", "s")
        stored = self.driver.execute_script("return sessionStorage.getItem('dnsops.token')")
        self.assertEqual(stored, self.server.token)
        self.driver.find_element(self.By.ID, "sign-out").click()
        self.find_text("main", "Signed out")
        self.assertIsNone(
            self.driver.execute_script("return sessionStorage.getItem('dnsops.token')"))

    def test_401_opens_sign_in(self) -> None:
        """If the token stops working while signed in, then the next call opens the sign-in modal."""
        self.sign_in()
        self.driver.execute_script("sessionStorage.setItem('dnsops.token', 'revoked')")
        self.open_tab("zones")
        self.find("dialog[open] input[name=token]")
        self.find_text("main", "Not signed in")


class ZoneAndRecordTests(DashboardTestCase):
    """Zones and records made in the page are served over DNS."""

    def test_create_zone_and_record_answered(self) -> None:
        """If a zone and an A record are added in the page, then DNS answers with the address."""
        self.sign_in()
        self.open_tab("zones")
        self.find("#add-zone").click()
        self.fill_modal(name="example.com", ns="ns1.example.com", admin="admin.example.com")
        self.modal().find_element(self.By.NAME, "ttl").send_keys("\n")
        self.gone("dialog[open]")
        self.find_text("main table", "example.com")
        self.open_tab("records")
        self.find_text("main table", "ns1.example.com")
        self.find("#add-record").click()
        self.fill_modal(name="www", type="A", rdata="192.0.2.10")
        self.modal().find_element(self.By.NAME, "rdata").send_keys("\n")
        self.gone("dialog[open]")
        self.find_text("main table", "192.0.2.10")
        self.assertEqual(self.answer_within("www.example.com", "A"), ["192.0.2.10"])

    def test_invalid_record_shows_api_message(self) -> None:
        """If the API refuses a record, then its message is shown on the field in the modal."""
        self.rest("POST", "/api/zones", {"name": "example.com", "ns": "ns1.example.com",
                                         "admin": "admin.example.com"})
        self.sign_in()
        self.open_tab("records")
        self.find("#add-record").click()
        self.fill_modal(name="www", type="A", rdata="999.1.1.1")
        self.modal().find_element(self.By.NAME, "rdata").send_keys("\n")
        error = self.find_text("dialog[open] .field-error",
                               "invalid IPv4 address '999.1.1.1' for A record")
        rdata = self.modal().find_element(self.By.NAME, "rdata")
        self.assertEqual(rdata.get_attribute("aria-invalid"), "true")
        self.assertTrue(error.is_displayed())
        rdata.send_keys("\ue00c")  # Escape cancels
        self.gone("dialog[open]")
        self.assertEqual(self.rest("GET", "/api/zones/example.com/records?type=A")["total"], 0)

    def test_txt_markup_renders_as_text(self) -> None:
        """If a TXT record holds HTML, then the page shows it as text and runs nothing."""
        self.rest("POST", "/api/zones", {"name": "example.com"})
        self.rest("POST", "/api/zones/example.com/records",
                  {"name": "xss", "type": "TXT", "rdata": XSS})
        self.sign_in()
        self.open_tab("records")
        cell = self.find_text("main table", XSS)
        self.assertIn(XSS, cell.text)
        self.assertEqual(self.driver.find_elements(self.By.CSS_SELECTOR, "main img"), [])
        from selenium.common.exceptions import NoAlertPresentException

        with self.assertRaises(NoAlertPresentException):
            self.driver.switch_to.alert.text


class BlockingAndCacheTests(DashboardTestCase):
    """The blocklist and cache tabs."""

    def test_blocked_domain_in_query_log(self) -> None:
        """If a domain is blocked in the page and asked for, then the log shows it as blocked."""
        self.sign_in()
        self.open_tab("blocklist")
        form = self.find("#block-form")
        form.find_element(self.By.NAME, "domain").send_keys("ads.example.net\n")
        self.find_text("main table", "ads.example.net")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            answer = [rd.to_text() for rrset in self.query("ads.example.net", "A").answer
                      for rd in rrset]
            if answer == ["0.0.0.0"]:
                break
            time.sleep(0.2)
        self.assertEqual(answer, ["0.0.0.0"])
        self.open_tab("logs")
        from selenium.webdriver.support.ui import Select

        Select(self.find("#log-kind")).select_by_value("blocked")
        row = self.find_text("main table tbody tr", "ads.example.net")
        self.assertIn("blocked", row.text)

    def test_flush_cache(self) -> None:
        """If Flush is clicked and confirmed, then the cache is flushed and the audit log says so."""
        self.sign_in()
        self.open_tab("cache")
        self.find("#cache-capacity")
        self.find("#flush-cache").click()
        self.modal().find_element(self.By.CSS_SELECTOR, "button[type=submit]").click()
        self.find_text("#toasts", "cache flushed")
        self.assertEqual(self.find("#cache-entries").text, "0")
        audit = self.rest("GET", "/api/audit?action=flush-cache")
        self.assertEqual(audit["total"], 1)


class ScreenshotTests(DashboardTestCase):
    """Every tab at desktop and phone width, with data in it, written to tests/screenshots/."""

    def populate(self) -> None:
        """Zones, records of every kind, blocks, a key, and some queries for the log."""
        self.rest("POST", "/api/zones", {"name": "example.com", "ns": "ns1.example.com",
                                         "admin": "hostmaster.example.com"})
        self.rest("POST", "/api/zones", {"name": "example.org", "ns": "ns1.example.org",
                                         "admin": "admin.example.org", "ttl": "1h"})
        records = [
            ("@", "NS", "ns2.example.com", {}), ("www", "A", "192.0.2.10", {"weight": 90}),
            ("www", "A", "192.0.2.11", {"weight": 10}), ("www", "AAAA", "2001:db8::10", {}),
            ("@", "MX", "10 mail.example.com", {}), ("mail", "A", "192.0.2.25", {"geo": "DE"}),
            ("blog", "CNAME", "www.example.com", {}), ("@", "TXT", "v=spf1 mx -all", {}),
            ("_sip._tcp", "SRV", "10 60 5060 sip.example.com", {}),
            ("@", "CAA", '0 issue "letsencrypt.org"', {}), ("old", "A", "192.0.2.99",
                                                              {"enabled": False}),
            ("xss", "TXT", XSS, {}),
        ]
        for name, rtype, rdata, extra in records:
            self.rest("POST", "/api/zones/example.com/records",
                      {"name": name, "type": rtype, "rdata": rdata, **extra})
        self.rest("POST", "/api/blocklist/import", {"domains": [
            "ads.example.net", "tracker.example.net", "0.0.0.0 telemetry.example.net",
            "*.doubleclick.example", "not a domain"]})
        self.rest("POST", "/api/allowlist", {"domain": "good.ads.example.net"})
        self.rest("POST", "/api/keys", {"name": "ci-deploy", "scope": "write"})
        self.rest("POST", "/api/keys", {"name": "grafana", "scope": "read"})
        self.assertEqual(self.answer_within("old.example.com", "A"), [])
        self.assertEqual(self.answer_within("mail.example.com", "A"), ["192.0.2.25"])
        self.assertEqual(self.answer_within("ads.example.net", "A"), ["0.0.0.0"])
        for name, rtype in [("www.example.com", "A"), ("www.example.com", "AAAA"),
                            ("example.com", "MX"), ("ads.example.net", "A"),
                            ("nope.example.com", "A"), ("blog.example.com", "A"),
                            ("tracker.example.net", "A"), ("www.example.com", "A")]:
            self.query(name, rtype)

    def test_every_tab_at_both_widths(self) -> None:
        """If each tab is opened at 1280 and 390 px, then it renders without errors or overflow."""
        browser.remove_old_screenshots()
        self.populate()
        self.sign_in()
        time.sleep(1.5)  # the query log is written once a second
        for label, width, height in (browser.DESKTOP, browser.PHONE):
            self.browser.resize(width, height)
            for tab in TABS:
                self.driver.get(f"{self.server.url}#/{tab}")
                self.driver.refresh()
                self.find(f'main[data-tab="{tab}"] .view-body > :not(:empty)')
                time.sleep(0.8)
                self.driver.execute_script("window.scrollTo(0, 0)")
                self.assertEqual(
                    self.driver.find_elements(self.By.CSS_SELECTOR, "main .error-box"), [],
                    f"{tab} at {width} px shows an error")
                overflow = self.driver.execute_script(
                    "return document.documentElement.scrollWidth - window.innerWidth")
                self.assertLessEqual(overflow, 0, f"{tab} at {width} px scrolls sideways")
                self.browser.screenshot(f"{label}-{tab}")
        self.browser.resize(1280, 900)
        self.driver.get(f"{self.server.url}#/records")
        self.find("#add-record").click()
        self.fill_modal(name="www", rdata="999.1.1.1")
        self.modal().find_element(self.By.NAME, "rdata").send_keys("\n")
        self.find_text("dialog[open] .field-error", "invalid IPv4 address")
        self.browser.screenshot("desktop-record-modal-error", full_page=False)
        self.assertTrue(os.path.exists(os.path.join(browser.SCREENSHOTS, "phone-deploy.png")))
