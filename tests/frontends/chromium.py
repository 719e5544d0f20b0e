"""Debian's Chromium through Selenium, set up one way for every browser test (test_browser.py,
test_judges.py) and for scripts/screenshots."""
import base64
import hashlib
import os
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

from tests.services import unavailable

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOTS = os.path.join(tempfile.gettempdir(), "flask-reference-screenshots")
# The flags Chromium needs in this sandbox: root, no GPU, and no calls home.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def spki_hash(cert_path: str) -> str:
    """Chromium trusts exactly this certificate's key (the test CA is not in its store)."""
    with open(cert_path, "rb") as pem:
        key = x509.load_pem_x509_certificate(pem.read()).public_key()
    return base64.b64encode(hashlib.sha256(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).digest()).decode()


def start(cert_path: str, profile: str, window=(1200, 1400)) -> webdriver.Chrome:
    """A headless Chromium that trusts the stack's certificate and keeps its console log."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        unavailable("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={window[0]},{window[1]}", f"--user-data-dir={profile}",
                 f"--ignore-certificate-errors-spki-list={spki_hash(cert_path)}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver


def emulate(driver, width: int, height: int, phone: bool, scale: int | None = None) -> None:
    """The viewport a person sees, in CSS pixels; on a phone a 2x screen that honours the meta
    viewport, which resizing a desktop window does not give."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": scale or (2 if phone else 1), "mobile": phone})


def click_and_wait(driver, element) -> None:
    """Click something that loads a new page, and wait until the new page has loaded."""
    driver.execute_script("document.documentElement.dataset.oldPage = '1'")
    element.click()

    def new_page_loaded(d):
        try:
            return d.execute_script("return document.readyState === 'complete' && !document.documentElement.dataset.oldPage")
        except WebDriverException:  # asked in the middle of the navigation
            return False

    WebDriverWait(driver, 15).until(new_page_loaded)


def console_errors(driver) -> list[str]:
    """The errors logged since the last call (reading the log empties it)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def screenshot(driver, folder: str, name: str) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.png")
    driver.save_screenshot(path)
    return path
