"""Chapter 6's layer exercises in the lab, in real headless Chromium: the convolution's and max-pooling's
backward pass, each typed into the page's editor, pass on every quantity (∂C/∂b, ∂C/∂w, δ below); each
"find the bug" version fails in exactly the quantities its story says, with its hint; a shape mistake is
a plain message naming the quantity; and the table goes back to its per-layer columns for a network."""

import pytest
from lab_steps import editor_text, open_lab, press_check, type_code, verdicts

from backprop.lab import backprop_texts, conv_check, exercises

pytestmark = pytest.mark.e2e
LAYER_EXERCISES = list(conv_check.QUANTITIES)


def choose(page, key):
    page.select_option("#lab-exercise", key)
    page.wait_for_function(f"document.getElementById('lab-intro').dataset.exercise === '{key}'")


def table(page):
    """The result table: its column heads and, per row, the quantity and the verdict."""
    heads = page.eval_on_selector_all("#lab-table thead th", "ths => ths.map(t => t.textContent)")
    rows = page.eval_on_selector_all(
        "#lab-table tbody tr", "trs => trs.map(t => [t.dataset.quantity, t.lastElementChild.textContent])"
    )
    return heads, rows


@pytest.mark.parametrize("key", LAYER_EXERCISES)
def test_each_layer_exercise_passes_typed_in_and_fails_with_each_of_its_bugs(site, open_page, key):
    ex = exercises.get(key)
    quantities = conv_check.QUANTITIES[key]
    page = open_lab(open_page, site.url)
    choose(page, key)
    assert editor_text(page).rstrip() == ex.texts.SKELETON.rstrip()
    intro = page.text_content("#lab-intro")
    assert ex.signature in intro and "checked, not trained" in intro and page.is_disabled("#lab-train")

    type_code(page, ex.texts.REFERENCE)
    assert editor_text(page).rstrip() == ex.texts.REFERENCE.rstrip()
    state, text = press_check(page)
    assert (state, text) == ("pass", "pass — every quantity"), page.text_content("#lab-hint")
    assert verdicts(page) == {q: "pass" for q in quantities}
    labels = page.eval_on_selector_all("#lab-verdicts li", "els => els.map(e => e.textContent)")
    assert labels == [f"{label}: pass" for label in quantities.values()]
    heads, rows = table(page)
    assert heads == ["case", "quantity", "vs differences", "vs library", "verdict"]
    assert rows == [[q, "pass"] for q in quantities] * 2  # two cases
    assert not page.is_hidden("#lab-quantity-note") and page.is_hidden("#lab-table-note")
    assert page.text_content("#lab-hint").startswith("Every quantity passes")

    for bug, spec in ex.texts.BUGS.items():
        page.select_option("#lab-bug", bug)
        page.click("#lab-load-bug")
        assert spec["story"] in page.text_content("#lab-story")
        state, text = press_check(page)
        hint = page.text_content("#lab-hint")
        assert (state, text) == ("fail", "fail — see the quantities below"), (bug, hint)
        assert spec["hint"] in hint, (bug, hint)
        assert sorted(q for q, v in verdicts(page).items() if v == "fail") == sorted(spec["fails"]), bug
        failing_rows = {q for q, v in table(page)[1] if v == "fail"}
        assert failing_rows == set(spec["fails"]), bug
    assert page.errors == []


def test_a_shape_mistake_names_the_quantity_and_a_network_gets_its_layer_columns_back(site, open_page):
    page = open_lab(open_page, site.url)
    choose(page, "conv")
    type_code(
        page,
        "import numpy as np\n\n\ndef conv_backward(x, w, delta, in_shape):\n"
        "    return np.zeros(w.shape[0]), np.zeros_like(w), np.zeros_like(x)\n",
    )
    state, text = press_check(page)
    hint = page.text_content("#lab-hint")
    assert (state, text) == ("error", "fail — an error on line 5"), hint
    assert "line 5: nabla_b should be (3, 1), yours is (3,): keep it a column" in hint, hint
    assert page.locator("#lab-editor .cm-error-line").count() == 1  # their return statement, marked
    assert verdicts(page) == {"nabla_b": "fail"}
    assert page.text_content("#lab-verdicts li") == "∂C/∂b: fail"

    choose(page, "backprop")
    page.select_option("#lab-bug", next(iter(backprop_texts.BUGS)))
    page.click("#lab-load-bug")
    state, _ = press_check(page)
    assert state == "fail"
    heads, _ = table(page)
    assert heads[1:4] == ["layer", "∇b vs differences", "∇b vs library"]
    assert page.is_hidden("#lab-quantity-note") and not page.is_hidden("#lab-table-note")
    assert all(k.isdigit() for k in verdicts(page))
    assert page.errors == []
