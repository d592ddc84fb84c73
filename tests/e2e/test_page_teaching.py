"""For teachers, in headless Chromium: a lesson link hides and orders the sections it names and fixes the
controls it names (through a run, too); the share dialog's link reproduces the page it was made from; an
embed link shows one section, inside an iframe of another local page, under a sub-path; a link with bad
parts opens with one message naming them and nothing else changed (and nothing fetched elsewhere); a model
file on the same site opens from a link; an embed of one section loads the page's Python but neither the
lab nor the service worker's copy of the whole site; an embed of the lab alone checks and trains the
learner's code without ever loading the page's own Python (its worker, the subset, the model)."""

from urllib.parse import urlparse

import pytest
from lab_steps import LAB_TIMEOUT_MS, press_check, verdicts

import backprop
from backprop.lab import backprop_texts as lab_bugs
from faults import FaultServer
from steps import MODE, READY_TIMEOUT_MS, wait_idle

pytestmark = pytest.mark.e2e

SECTIONS = ["draw", "model", "train", "curves", "maths", "hidden-units", "feature-maps", "confusion", "lab"]
SHOWN = "[...document.querySelectorAll('main > section')].filter((s) => s.offsetParent !== null).map((s) => s.id)"
FORM = "Object.fromEntries([...document.querySelectorAll('#train-form [name]')].map((e) => [e.name, e.value]))"


def test_a_lesson_link_orders_and_hides_sections_and_fixes_controls(site, open_page):
    note = "Week 3: <b>train</b> with the quadratic cost, then look at σ′."
    page = open_page(
        site.url + "?sections=maths,train,draw&hide=eta,presets&fix=cost,hidden&cost=quadratic&train_size=200&epochs=1"
        f"&note={note.replace(' ', '%20').replace('&', '%26')}"
    )
    assert page.evaluate(SHOWN) == ["maths", "train", "draw"]
    assert not page.is_visible("#train-form [name=eta]") and not page.is_visible("#presets")
    assert page.is_visible("#train-form [name=lmbda]")
    assert page.text_content("#link-note") == note  # plain text: no element made of it
    assert page.locator("#link-note b").count() == 0
    assert not page.is_visible("#link-ignored")
    assert page.input_value("#train-form [name=cost]") == "quadratic"
    assert page.is_disabled("#train-form [name=cost]") and page.is_disabled("#train-form [name=hidden]")
    assert not page.is_disabled("#train-form [name=lmbda]")

    page.click("#train-button")  # the form is disabled while it trains and enabled after: the fixed stay fixed
    page.wait_for_function(
        "window.__chart.runs.length === 1 && window.__chart.runs[0].status === 'done'", timeout=120_000
    )
    wait_idle(page)
    assert page.evaluate("window.__chart.runs[0].params.cost") == "quadratic"
    assert page.is_disabled("#train-form [name=cost]") and not page.is_disabled("#train-form [name=lmbda]")
    page.fill("#train-form [name=lmbda]", "1")  # the form writes its settings into the URL, and keeps the link's
    url = page.evaluate("location.search")
    assert "lmbda=1" in url and "sections=maths,train,draw" in url and "fix=cost,hidden" in url
    assert page.errors == []


def test_the_share_dialog_s_link_reproduces_the_page(site, open_page):
    page = open_page(site.url)
    page.fill("#train-form [name=hidden]", "20")
    page.fill("#train-form [name=eta]", "0.3")
    page.select_option("#train-form [name=cost]", "quadratic")
    page.click("#share-button")
    assert page.is_visible("#share-dialog")
    page.uncheck("#share-sections input[value=confusion]")
    page.uncheck("#share-sections input[value=lab]")
    page.click("#share-dialog summary")
    page.check("#share-controls input[name=share-hide][value=lmbda]")
    page.check("#share-controls input[name=share-fix][value=cost]")
    page.fill("#share-note", "Compare with yesterday's run.")
    link = page.input_value("#share-link")
    assert link.startswith(site.url)
    before = page.evaluate(FORM)

    again = open_page(link)
    assert again.evaluate(FORM) == before
    assert again.evaluate(SHOWN) == [s for s in SECTIONS if s not in ("confusion", "lab")]
    assert not again.is_visible("#train-form [name=lmbda]") and again.is_disabled("#train-form [name=cost]")
    assert again.text_content("#link-note") == "Compare with yesterday's run."
    again.click("#share-button")  # and the page it opened shares the same link
    assert again.input_value("#share-link") == link
    assert page.errors == [] and again.errors == []


def test_an_embedded_section_works_in_an_iframe_under_a_sub_path(site_dir, build_module, new_page, tmp_path):
    server, url = build_module.serve_dir(site_dir.parent)  # the site at /dist/, as a project site at /<repo>/
    course = tmp_path / "course"
    course.mkdir()
    (course / "index.html").write_text(
        f'<!doctype html><title>A course page</title><h1>Week 1</h1>\n<iframe id="lesson" src="{url}dist/?embed=draw"'
        ' width="900" height="700" title="Draw a digit"></iframe>\n',
        encoding="utf-8",
    )
    other, course_url = build_module.serve_dir(course)  # another origin (another port)
    try:
        page = new_page()
        page.goto(course_url)
        frame = page.frame_locator("#lesson")
        page.wait_for_function("document.getElementById('lesson').contentWindow !== null")
        inner = next(f for f in page.frames if "embed=draw" in f.url)
        inner.wait_for_function(f"{MODE} === 'ready'", timeout=READY_TIMEOUT_MS)
        assert inner.evaluate("document.body.classList.contains('embed')")
        assert inner.evaluate(SHOWN) == ["draw"]
        assert inner.evaluate("window.__app.workers") == 1  # the page's Python: section 1 needs it
        assert not frame.locator("#network-bar").is_visible() and not frame.locator("footer").is_visible()
        assert frame.locator("#embed-whole").get_attribute("href") == "/dist/"
        frame.locator("#draw-random").click()
        inner.wait_for_function("/^[0-9]$/.test(document.getElementById('draw-guess').textContent)", timeout=60_000)
        inner.wait_for_function("window.__app.views >= 1", timeout=60_000)
        # only what the section needs: no hidden units, confusion matrix or digit strip computed for it
        assert inner.get_attribute("#hidden-grid", "data-units") == "0"
        assert inner.evaluate("document.querySelectorAll('#confusion-table td').length") == 0
        assert inner.evaluate("document.querySelectorAll('#strip > *').length") == 0
        assert page.errors == []
    finally:
        for s in (server, other):
            s.shutdown()
            s.server_close()


def test_a_link_with_bad_parts_opens_with_one_message_and_nothing_else_changed(site, open_page, new_page):
    defaults = open_page(site.url).evaluate(FORM)
    page = new_page()
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(
        site.url + "?sections=maths,bogus&hide=nope&eta=-1&foo=bar&model=https://evil.example/m.json&note=ok"
        "&exercise=not%20a%20name&preset=nope"
    )
    page.wait_for_function(f"{MODE} === 'ready'", timeout=READY_TIMEOUT_MS)
    message = page.text_content("#link-ignored")
    assert page.is_visible("#link-ignored")
    page.wait_for_function("document.getElementById('link-ignored').textContent.includes('preset')")
    for part in ('"bogus"', '"nope"', "eta", '"foo"', "evil.example", "exercise", "book's runs"):
        assert part in message, part
    assert message.count("ignored") == 1  # one message for all of them
    assert page.evaluate(FORM) == defaults  # η kept at its default; nothing else moved
    assert page.evaluate(SHOWN) == ["maths"]  # what the link says right is done
    assert page.text_content("#link-note") == "ok"
    page.wait_for_function("window.__app.views >= 1", timeout=60_000)
    # nothing from elsewhere (a blob: URL is the page's own bytes: the checked pyodide.asm.js, imported)
    host = lambda u: urlparse(u.removeprefix("blob:")).hostname
    assert asked and not [u for u in asked if host(u) != "127.0.0.1"], asked
    assert page.errors == []


def test_a_model_file_on_the_site_opens_from_a_link_and_a_missing_one_is_named(serve_copy, open_page):
    copy = serve_copy()
    (copy.dir / "models").mkdir()
    backprop.Network([784, 20, 10], seed=5).save(copy.dir / "models" / "week2.json")
    page = open_page(copy.url + "?model=models/week2.json")
    page.wait_for_function("document.getElementById('network-which').value === 'file'", timeout=60_000)
    page.wait_for_function("document.getElementById('model-sizes').textContent.includes('20')", timeout=60_000)
    assert not page.is_visible("#link-ignored")

    missing = open_page(copy.url + "?model=models/none.json")
    missing.wait_for_function(
        "document.getElementById('link-ignored').textContent.includes('none.json')", timeout=60_000
    )
    assert "404" in missing.text_content("#link-ignored")
    assert missing.input_value("#network-which") == "model"


def test_a_link_s_preset_fills_the_form_as_the_picker_does(site, open_page):
    page = open_page(site.url + "?preset=ch5-speed-4&sections=train,curves")
    page.wait_for_function("document.getElementById('preset-note').dataset.key === 'ch5-speed-4'")
    assert page.input_value("#train-form [name=hidden]") == "30,30,30,30"
    assert page.input_value("#preset-select") == "ch5-speed-4"
    assert "sections=train,curves" in page.evaluate("location.search")  # the link's own parts stay in the URL
    assert not page.is_visible("#link-ignored") and page.errors == []


def test_an_embedded_section_loads_the_page_s_python_but_not_the_lab_or_the_offline_copy(site_dir, new_page):
    server = FaultServer(site_dir)
    try:
        page = new_page()  # service workers allowed: an embed must not register one (its install fetches every file)
        page.goto(server.url + "?embed=draw")
        page.wait_for_function(f"{MODE} === 'ready'", timeout=READY_TIMEOUT_MS)
        page.wait_for_function("window.__app.views >= 1", timeout=60_000)
        page.click("#draw-random")
        page.wait_for_function("/^[0-9]$/.test(document.getElementById('draw-guess').textContent)", timeout=60_000)
        page.wait_for_timeout(1500)  # what follows "ready" (a service worker's install, say) has had its chance
        asked = set(server.requests)
        assert {"js/worker.js", "data/model.json.gz", "data/mnist-subset.npz"} <= asked, sorted(asked)
        assert not {"sw.js", "vendor/codemirror.js", "js/lab.json", "js/lab-worker.js"} & asked, sorted(asked)
        assert page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r === undefined)")
        assert page.errors == []
    finally:
        server.stop()


# What only the page's own Python fetches: its worker's script, the model (its gzipped copy, its facts), the subset.
PAGE_PYTHON = ("js/worker.js", "data/model.json", "data/model.json.gz", "data/model-meta.json", "data/mnist-subset.npz")


def test_an_embedded_lab_checks_and_trains_without_the_page_s_python(site_dir, new_page):
    server = FaultServer(site_dir)
    try:
        page = new_page(service_workers="block")
        page.goto(server.url + "?embed=lab&train_size=200&epochs=1")
        page.wait_for_function("window.__lab && window.__lab.ready", timeout=60_000)
        assert page.evaluate(SHOWN) == ["lab"]
        assert page.evaluate(MODE) == "unloaded" and page.evaluate("window.__app.workers") == 0
        assert "Only the lab" in page.text_content("#status-text")

        # a "find the bug" version fails where its bug is; fixed on the keyboard, it passes
        spec = lab_bugs.BUGS["bp2-no-sigma-prime"]
        page.select_option("#lab-bug", "bp2-no-sigma-prime")
        page.click("#lab-load-bug")
        state, _ = press_check(page)
        assert state == "fail" and spec["hint"] in page.text_content("#lab-hint")
        assert sorted(int(k) for k, v in verdicts(page).items() if v == "fail") == spec["fails"]
        page.locator("#lab-editor .cm-line", has_text="# BP2").click()
        page.keyboard.press("End")
        page.keyboard.press("Shift+Home")
        page.keyboard.type("delta = (delta @ weights[-l + 1]) * sigmoid_prime(zs[-l])   # BP2")
        assert press_check(page) == ("pass", "pass — every layer")
        assert "js/lab-worker.js" in server.requests  # the lab's own Python did the checking
        asked = set(server.requests)
        assert not asked & set(PAGE_PYTHON), sorted(asked)

        # a run with the learner's backprop: the lab's worker fetches the digits; the page's Python still sleeps
        page.click("#lab-train")
        page.wait_for_function(
            "!window.__lab.busy && document.getElementById('lab-status').dataset.state !== 'working'",
            timeout=LAB_TIMEOUT_MS,
        )
        end = page.text_content("#lab-status")
        assert end.startswith("Done: 1 epoch with your backprop"), end
        assert "chart" not in end  # there is none here to point at
        assert "data/mnist-subset.npz" in server.requests
        assert not {"js/worker.js", "data/model.json", "data/model.json.gz"} & set(server.requests), server.requests
        assert page.evaluate("window.__app.workers") == 0 and page.errors == []
    finally:
        server.stop()
