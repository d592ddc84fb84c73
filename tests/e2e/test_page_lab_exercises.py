"""The lab's new exercises in real headless Chromium: each one's correct answer, typed in, passes on
every layer; each of its "find the bug" versions fails in the layers its story says, with its hint; the
exercise and its code are kept per exercise across a reload; an exercise that is not a backprop cannot
be trained, and one that is trains its own network."""

import pytest
from lab_steps import LAB_TIMEOUT_MS, editor_text, open_lab, press_check, type_code, verdicts

from backprop.lab import conv_check, exercises

pytestmark = pytest.mark.e2e
# chapter 6's layer exercises are checked per quantity, not per layer: test_page_lab_conv.py
OTHERS = [key for key in exercises.EXERCISES if key != "backprop" and key not in conv_check.QUANTITIES]


def choose(page, key):
    page.select_option("#lab-exercise", key)
    page.wait_for_function(f"document.getElementById('lab-intro').dataset.exercise === '{key}'")


@pytest.mark.parametrize("key", OTHERS)
def test_each_exercise_passes_typed_in_and_fails_with_each_of_its_bugs(site, open_page, key):
    texts = exercises.get(key).texts
    page = open_lab(open_page, site.url)
    choose(page, key)
    assert editor_text(page).rstrip() == texts.SKELETON.rstrip()
    assert exercises.get(key).signature in page.text_content("#lab-intro")
    type_code(page, texts.REFERENCE)
    state, text = press_check(page)
    assert (state, text) == ("pass", "pass — every layer"), page.text_content("#lab-hint")
    rows = page.eval_on_selector_all("#lab-table tbody tr", "trs => trs.map(t => t.lastElementChild.textContent)")
    assert rows and set(rows) == {"pass"}
    for bug, spec in texts.BUGS.items():
        page.select_option("#lab-bug", bug)
        page.click("#lab-load-bug")
        assert spec["story"] in page.text_content("#lab-story")
        state, _ = press_check(page)
        assert state == "fail", (bug, page.text_content("#lab-hint"))
        assert spec["hint"] in page.text_content("#lab-hint"), (bug, page.text_content("#lab-hint"))
        assert sorted(int(k) for k, v in verdicts(page).items() if v == "fail") == spec["fails"], bug
    assert page.errors == []


def test_the_exercise_and_its_code_are_kept_and_only_a_backprop_trains(site, open_page):
    page = open_lab(open_page, site.url)
    choose(page, "momentum")
    assert page.is_disabled("#lab-train") and "checked, not trained" in page.text_content("#lab-intro")
    choose(page, "relu")
    assert not page.is_disabled("#lab-train")
    type_code(page, exercises.get("relu").texts.REFERENCE)
    page.reload()
    page.wait_for_function("window.__lab && window.__lab.ready", timeout=30_000)
    assert page.input_value("#lab-exercise") == "relu"
    assert editor_text(page).rstrip() == exercises.get("relu").texts.REFERENCE.rstrip()
    choose(page, "backprop")
    assert editor_text(page).rstrip() == exercises.get("backprop").texts.SKELETON.rstrip()
    choose(page, "relu")
    assert editor_text(page).rstrip() == exercises.get("relu").texts.REFERENCE.rstrip()

    page.fill("#train-form [name=epochs]", "1")
    page.fill("#train-form [name=train_size]", "500")
    page.click("#lab-train")
    ended = "['pass', 'stopped', 'error'].includes(document.getElementById('lab-status').dataset.state)"
    page.wait_for_function(f"!window.__lab.busy && {ended}", timeout=LAB_TIMEOUT_MS * 2)
    assert page.get_attribute("#lab-status", "data-state") == "pass", page.text_content("#lab-status")
    label = page.evaluate("window.__chart.runs.at(-1).label")
    assert label.startswith("yours: LL ReLU 784-30-10"), label
    assert page.errors == []
