"""The headless Chromium that the e2e tests, the page bench and the screenshots launch: one place for
where it is (env CHROMIUM, else Debian's /usr/bin/chromium) and how it is started.

Only settings: starting it is Playwright's (``launch`` below, or the e2e tests' fixture).
"""

import os

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def launch(playwright):
    """Chromium with these settings, from a started Playwright (``sync_playwright()`` as pw)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
