"""The portal's pages in a real browser (headless Chromium over WebDriver), driven end to end
together with the app (the `otpvault` CLI):

- CARGOS first access: login, PUK, the enrolment page's screenshot read by `otpvault add --qr`,
  the app's code typed into the page, the ApiKey read and checked, regenerated with the next code
  (the old key refused at once);
- OTP PAT: the temporary code chosen on "App OTP", `otpvault activate`, the page turning to
  "activated", then "Accedi con OTP PAT" with user, password and the app's code;
- refusals: a wrong PUK, an expired temporary code, a missing CSRF token, a username carrying
  <script>, and the security headers.

Run by scripts/test-all (OTPVAULT_BIN_DIR: the built binaries; screenshots go to
OTPVAULT_ARTIFACTS)."""

import json
import os
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

BIN = Path(os.environ.get("OTPVAULT_BIN_DIR", Path(__file__).resolve().parents[4] / "target" / "debug"))
ARTIFACTS = Path(os.environ.get("OTPVAULT_ARTIFACTS", Path(__file__).resolve().parents[4] / "target" / "browser-artifacts"))
PIN = "13579"
PASSWORD = "portal password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Portal:
    def __init__(self, tmp):
        self.tmp = tmp
        self.db = tmp / "issuer.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp / "issuer.log", "w")
        self.process = subprocess.Popen(
            [BIN / "otpvault-issuer", "--db", self.db, "serve", "--listen", f"127.0.0.1:{self.port}"],
            stdout=self.log, stderr=self.log)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + "/v1/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("the issuer did not start")

    def add_user(self, name):
        puk_file = self.tmp / f"{name}.puk"
        subprocess.run([BIN / "otpvault-issuer", "--db", self.db, "add-user", name, "--password-stdin",
                        "--puk-out", puk_file], input=PASSWORD + "\n", text=True, check=True,
                       capture_output=True)
        return puk_file.read_text().strip()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


class App:
    """The `otpvault` CLI on its own vault."""

    def __init__(self, tmp, name):
        self.vault = tmp / f"{name}.vault"
        self.run(["init", "--kdf-iterations", "600000"], PIN + "\n")

    def run(self, args, stdin=PIN + "\n", check=True):
        env = dict(os.environ, OTPVAULT_NO_AGENT="1")
        out = subprocess.run([BIN / "otpvault", "--vault", self.vault, "--pin-stdin", *args], input=stdin,
                             text=True, capture_output=True, env=env)
        if check:
            assert out.returncode == 0, out.stderr
        return out

    def code(self, at=None):
        args = ["--json", "code"] + (["--at", str(at)] if at else [])
        return json.loads(self.run(args).stdout)[0]["code"]


@pytest.fixture
def portal(tmp_path):
    p = Portal(tmp_path)
    yield p
    p.stop()


@pytest.fixture
def browser():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=900,1400",
                "--lang=it-IT"):
        options.add_argument(arg)
    # An Italian user's browser: the portal's default language.
    options.add_experimental_option("prefs", {"intl.accept_languages": "it-IT,it"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def shot(driver, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path


def fill(driver, **fields):
    for name, value in fields.items():
        element = driver.find_element(By.ID, name)
        element.clear()
        element.send_keys(value)


def submit(driver):
    """Submits the page's form and waits for the next page (the old one gone)."""
    button = driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    button.click()
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(button))


def follow(driver, selector):
    """Follows a link and waits for the next page."""
    link = driver.find_element(By.CSS_SELECTOR, selector)
    link.click()
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(link))


def login(driver, portal, name, password=PASSWORD):
    driver.get(portal.url + "/login")
    fill(driver, username=name, password=password)
    submit(driver)


def whoami(portal, key):
    request = urllib.request.Request(portal.url + "/v1/portal/whoami", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, None


def test_cargos_first_access_with_the_app(portal, browser, tmp_path):
    puk = portal.add_user("mario")
    app = App(tmp_path, "mario")
    login(browser, portal, "mario")
    assert browser.current_url.endswith("/puk")
    fill(browser, puk=puk)
    submit(browser)
    assert browser.current_url.endswith("/home")
    follow(browser, "main a[href='/enrol']")
    # The app reads the QR code from a screenshot of the page.
    screenshot = shot(browser, "cargos-enrolment.png")
    added = json.loads(app.run(["--json", "add", "--qr", str(screenshot)]).stdout)
    assert added["account"] == "mario"
    secret_text = browser.find_element(By.ID, "secret").text
    assert all(len(group) <= 4 for group in secret_text.split())
    fill(browser, code=app.code())
    submit(browser)
    key = browser.find_element(By.ID, "api-key").text
    assert key.startswith("ovk_")
    assert whoami(portal, key) == (200, {"username": "mario"})
    # Sicurezza: regenerate with the next step's code; the old key is refused at once.
    browser.get(portal.url + "/sicurezza")
    assert "ovk_" not in browser.page_source
    browser.find_element(By.ID, "confirm").click()
    fill(browser, code=app.code(at=int(time.time()) + 30))
    submit(browser)
    new_key = browser.find_element(By.ID, "api-key").text
    assert new_key.startswith("ovk_") and new_key != key
    shot(browser, "cargos-sicurezza.png")
    assert whoami(portal, key)[0] == 401
    assert whoami(portal, new_key) == (200, {"username": "mario"})


def test_otp_pat_temporary_code_activation_and_login(portal, browser, tmp_path):
    puk = portal.add_user("lucia")
    app = App(tmp_path, "lucia")
    login(browser, portal, "lucia")
    fill(browser, puk=puk)
    submit(browser)
    follow(browser, "main a[href='/credenziali']")
    fill(browser, code="48213", code2="48213")
    submit(browser)
    assert browser.current_url.endswith("/credenziali/stato")
    status = browser.find_element(By.ID, "status")
    assert status.get_attribute("data-state") == "waiting"
    countdown = browser.find_element(By.ID, "countdown").text
    assert countdown.startswith("4:") or countdown.startswith("5:"), countdown
    shot(browser, "otp-pat-code.png")
    # The app activates with user, password and the chosen code.
    out = app.run(["--json", "activate", "--server", portal.url, "--user", "lucia"],
                  stdin=f"{PIN}\n{PASSWORD}\n48213\n")
    assert json.loads(out.stdout)["account"] == "lucia"
    # The page turns to "activated" by itself (it refreshes every 5 s while waiting).
    deadline = time.time() + 20
    while time.time() < deadline:
        if browser.find_element(By.ID, "status").get_attribute("data-state") == "activated":
            break
        time.sleep(0.5)
    assert browser.find_element(By.ID, "status").get_attribute("data-state") == "activated"
    # Later: "Accedi con OTP PAT" with user, password and the app's code.
    browser.get(portal.url + "/accedi-otp")
    fill(browser, username="lucia", password=PASSWORD, code=app.code())
    submit(browser)
    assert browser.find_element(By.CSS_SELECTOR, "p.ok").text in ("Accesso effettuato.", "Logged in.")
    shot(browser, "otp-pat-login.png")


def test_refusals(portal, browser, tmp_path):
    portal.add_user("anna")
    puk = portal.add_user("piero")
    # A wrong PUK: refused, with the attempts left.
    login(browser, portal, "anna")
    fill(browser, puk="0000000000")
    submit(browser)
    assert "PUK errato" in browser.find_element(By.CSS_SELECTOR, ".error").text
    assert "4" in browser.find_element(By.CSS_SELECTOR, ".error").text
    # An expired temporary code (its expiry moved into the past): the page says so, the app fails.
    browser.get(portal.url + "/login")
    browser.delete_all_cookies()
    login(browser, portal, "piero")
    fill(browser, puk=puk)
    submit(browser)
    browser.get(portal.url + "/credenziali")
    fill(browser, code="58102", code2="58102")
    submit(browser)
    with sqlite3.connect(portal.db, timeout=10) as db:
        db.execute("UPDATE activations SET expires_ms = 1 WHERE user_id = (SELECT id FROM users WHERE name = 'piero')")
    browser.refresh()
    assert browser.find_element(By.ID, "status").get_attribute("data-state") == "expired"
    app = App(tmp_path, "piero")
    out = app.run(["activate", "--server", portal.url, "--user", "piero"],
                  stdin=f"{PIN}\n{PASSWORD}\n58102\n", check=False)
    assert out.returncode == 7, out.stderr
    # A form posted without its CSRF token is refused.
    session = browser.get_cookie("ov_session")["value"]
    request = urllib.request.Request(
        portal.url + "/credenziali", method="POST",
        data=urllib.parse.urlencode({"code": "27360", "code2": "27360"}).encode(),
        headers={"Cookie": f"ov_session={session}", "Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403
    request = urllib.request.Request(
        portal.url + "/login", method="POST",
        data=urllib.parse.urlencode({"username": "piero", "password": PASSWORD}).encode())
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403
    # A username carrying <script>: shown escaped, never run.
    browser.delete_all_cookies()
    login(browser, portal, "<script>alert(1)</script>", "x")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_element(By.ID, "username").get_attribute("value") == "<script>alert(1)</script>"
    # The headers of a page, and English by Accept-Language.
    with urllib.request.urlopen(urllib.request.Request(portal.url + "/login", headers={"Accept-Language": "en-GB,en;q=0.9"})) as response:
        headers = response.headers
        page = response.read().decode()
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "<title>Log in" in page and 'lang="en"' in page
    with urllib.request.urlopen(portal.url + "/login") as response:
        assert "<title>Accesso" in response.read().decode()
