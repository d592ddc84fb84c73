"""The lab's steps the browser tests share: the lab opened, code typed into its editor as a person types,
Check pressed and its verdicts read. Plain functions over a Playwright page."""

LAB_TIMEOUT_MS = 120_000  # the lab's own Pyodide starts on first use


def open_lab(open_page, url, **kw):
    page = open_page(url, **kw)
    page.wait_for_function("window.__lab && window.__lab.ready", timeout=30_000)
    return page


def editor_text(page):
    return page.evaluate(
        "[...document.getElementById('lab-editor').shadowRoot.querySelectorAll('.cm-line')]"
        ".map(l => l.textContent).join('\\n')"
    )


def type_code(page, code):
    """Type `code` into the editor as a person would. The editor indents each new line itself, so each
    line's own indentation replaces what it inserted (Shift+Home selects it)."""
    page.click("#lab-editor .cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for i, line in enumerate(code.splitlines()):
        if i:
            page.keyboard.press("Enter")
        if line:
            page.keyboard.press("Shift+Home")
            page.keyboard.type(line)


def press_check(page):
    page.click("#lab-check")
    page.wait_for_function(
        "!window.__lab.busy && document.getElementById('lab-status').dataset.state !== 'working'",
        timeout=LAB_TIMEOUT_MS,
    )
    return page.get_attribute("#lab-status", "data-state"), page.text_content("#lab-status")


def verdicts(page):
    return page.eval_on_selector_all(
        "#lab-verdicts li", "els => Object.fromEntries(els.map(e => [e.dataset.layer, e.dataset.verdict]))"
    )
