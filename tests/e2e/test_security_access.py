"""The page's security and accessibility in headless Chromium: it loads and trains under its
Content-Security-Policy (a CDN build allows the CDN and nothing else), its code never parses HTML,
and it can be used by keyboard and screen reader (focus, announcements, text alternatives)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

import backprop
from steps import wait_ready

pytestmark = pytest.mark.e2e

VIOLATIONS = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"""


def test_the_page_loads_and_trains_under_its_content_security_policy(site, new_page):
    page = new_page(bypass_csp=False)
    page.add_init_script(VIOLATIONS)
    page.goto(site.url)
    page.wait_for_selector("body[data-mode=ready]", timeout=120_000)
    csp = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp and "default-src 'none'" in csp
    assert "cdn" not in csp and "unsafe-inline" not in csp and "'unsafe-eval'" not in csp
    for name, value in {"epochs": 1, "train_size": 500}.items():
        page.fill(f"#train-form [name={name}]", str(value))
    page.click("#train-button")
    page.wait_for_selector("#legend li[data-status=done]", timeout=120_000)
    assert page.evaluate("window.__violations") == []
    # and the CSP is enforced: an inline script does not run
    assert page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                                    document.head.append(s); return window.__ran === undefined; }""")
    assert page.errors == []


def test_the_cdn_build_allows_the_cdn_and_nothing_else(build_module, tmp_path):
    site = build_module.build_site(tmp_path / "dist", pyodide="cdn", log=lambda *a: None)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', (site / "index.html").read_text())[1]
    cdn = "https://cdn.jsdelivr.net"
    for directive in ("script-src", "connect-src", "worker-src"):
        assert re.search(rf"{directive} 'self' {re.escape(cdn)}[ ;']", csp + ";"), csp
    assert csp.count(cdn) == 3
    config = json.loads((site / "config.json").read_text())
    assert set(config["sha256"]) == {"packageURL", "dataURL", "modelURL", "pyodide"}


def test_no_innerhtml_anywhere_in_the_page_code():
    root = Path(__file__).resolve().parents[2] / "web"
    offenders = [
        p.name
        for p in root.rglob("*.js")
        if re.search(r"\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write", p.read_text())
    ]
    assert offenders == []


# -- accessibility ------------------------------------------------------------------------------------
def test_keyboard_focus_announcements_and_text_alternatives(site, open_page):
    page = open_page(site.url)
    assert page.get_attribute("#progress", "aria-live") is None  # the 150 ms ticks are not spoken
    assert page.get_attribute("#progress-announce", "aria-live") == "polite"
    page.fill("#train-form [name=epochs]", "3")
    page.fill("#train-form [name=train_size]", "1000")
    page.focus("#train-form [name=backend]")  # the form's last field
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "train-button"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    spoken = []
    page.expose_function("__spoke", lambda text: spoken.append(text))
    page.evaluate("""const spoken = document.getElementById('progress-announce');
      new MutationObserver(() => window.__spoke(spoken.textContent))
        .observe(spoken, { childList: true, characterData: true, subtree: true })""")
    page.keyboard.press("Enter")  # Train, by keyboard
    wait_ready(page)
    page.wait_for_function("document.getElementById('progress-announce').textContent.startsWith('Done')")
    assert any("Epoch 1" in s for s in spoken) and any(s.startswith("Done") for s in spoken), spoken
    assert len(spoken) <= 3 * 2 + 3, spoken  # epochs, not ticks
    summary = page.text_content("#chart-summary")
    last = page.evaluate("window.__chart.runs[0].points.at(-1)")
    assert f"test accuracy {100 * last['eval_accuracy']:.1f} %" in summary and "after epoch 3" in summary
    # a wrong guess says so in words, not only in red: the strip page with the shipped model's first
    # wrong guess on the subset's test digits, as CPython finds it
    digits = np.load(site.dir / "data/mnist-subset.npz")
    net = backprop.loads((site.dir / "data/model.json").read_text())
    first_wrong = int(np.flatnonzero(net.predict(digits["x_test"] / 255.0) != digits["y_test"])[0])
    page.select_option("#network-which", "model")
    start = 24 * (first_wrong // 24)
    for _ in range(first_wrong // 24):
        page.click("#strip-next")
    page.wait_for_function(
        f"document.getElementById('strip').dataset.start === '{start}' && "
        "document.getElementById('strip').dataset.which === 'model'"
    )
    wrong = page.locator("#strip figure.wrong canvas")
    assert wrong.count() >= 1
    assert "(wrong)" in wrong.first.get_attribute("aria-label")
    assert (
        page.evaluate("""getComputedStyle(document.querySelector('#strip figure.wrong figcaption b'), '::before')
                            .content""")
        .strip('"')
        .startswith("✗")
    )
