"""The GitHub Actions workflows cannot run here: they are checked against GitHub's workflow schema
(vendored in check-jsonschema, so offline) and for what they promise — the README's test command on
every push and pull request, and Pages deployed only after it passed. Also the licence."""

import re
import shutil
import subprocess

import pytest

from ci_support import ROOT, skip_or_fail

WORKFLOWS = ROOT / ".github" / "workflows"


def readme_test_command():
    """The line in the README's Quick start that runs pytest (what .ci/run runs too)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"^(python3 -m pip install .*&& python3 -m pytest)\b", text, re.M).group(1)


def load(name):
    yaml = pytest.importorskip("ruamel.yaml", reason="check-jsonschema brings ruamel.yaml").YAML(typ="safe")
    return yaml.load((WORKFLOWS / name).read_text(encoding="utf-8"))


def test_workflows_match_githubs_schema(tmp_path):
    if shutil.which("check-jsonschema") is None:
        skip_or_fail("check-jsonschema is not installed (pip install -e '.[test]')")
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"test.yml", "pages.yml"}
    proc = subprocess.run(
        ["check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and the check can fail: a misspelt key is refused
    bad = tmp_path / "bad.yml"
    bad.write_text((WORKFLOWS / "test.yml").read_text().replace("runs-on:", "runs_on:"))
    proc = subprocess.run(
        ["check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "runs_on" in proc.stdout


def test_the_test_workflow_runs_the_readmes_command_on_pushes_and_pull_requests():
    wf = load("test.yml")
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request", "workflow_call"} <= set(triggers)
    steps = [s.get("run", "") for job in wf["jobs"].values() for s in job["steps"]]
    assert readme_test_command() in [line.strip() for run in steps for line in run.splitlines()]
    job = next(iter(wf["jobs"].values()))
    assert job["env"]["CI"] == "true"  # a missing prerequisite fails, never skips
    assert any("chromium" in run for run in steps) and any("PYODIDE_DIR" in run for run in steps)
    assert any("MNIST_DIR" in run for run in steps)


def test_pages_deploys_only_after_the_tests_pass():
    wf = load("pages.yml")
    jobs = wf["jobs"]
    tests = [name for name, job in jobs.items() if job.get("uses") == "./.github/workflows/test.yml"]
    assert tests, "pages.yml does not call test.yml"

    def needs(name):
        n = jobs[name].get("needs", [])
        return {n} if isinstance(n, str) else set(n)

    def upstream(name):
        seen = set()
        for n in needs(name):
            seen |= {n} | upstream(n)
        return seen

    deploying = [
        name for name, job in jobs.items() if any("deploy-pages" in s.get("uses", "") for s in job.get("steps", []))
    ]
    assert deploying and all(set(tests) & upstream(name) for name in deploying)


def test_licence_is_mit_as_pyproject_says():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 the backprop-in-the-browser authors" in text
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
