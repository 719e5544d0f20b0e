"""The README's screenshots: a few pages at a desktop's and a phone's width, one screen high each.

    make up-native            # or any stack: --url and --cert (its certificate, PEM)
    .venv/bin/python -m tests.frontends.screenshots
    make down-native
"""
import argparse
import os
import tempfile

from tests.frontends import chromium
from tests.frontends.pages import contact_with_errors

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
# name, path, what a person then does
PAGES = [("index", "/", None), ("login", "/login", None), ("students", "/students/", None),
         ("contact-errors", "/contact", contact_with_errors), ("hello", "/hello/Flask", None),
         ("not-found", "/no/such/page", None)]
# Scale 1: a README image, not a retina one, keeps each file small.
SIZES = {"desktop": (1280, 900, False), "phone": (390, 844, True)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="https://127.0.0.1:8443/")
    parser.add_argument("--cert", default=os.path.join(ROOT, ".native", "gunicorn", "tls", "cert.pem"))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshots"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as profile:
        driver = chromium.start(args.cert, profile)
        try:
            for size, (width, height, phone) in SIZES.items():
                chromium.emulate(driver, width, height, phone, scale=1)
                for name, path, by_hand in PAGES:
                    driver.get(args.url.rstrip("/") + path)
                    if by_hand:
                        by_hand(driver)
                    print(chromium.screenshot(driver, args.out, f"{name}-{size}"))
        finally:
            driver.quit()


if __name__ == "__main__":
    main()
