"""The project's habits, checked by the suite so that CI enforces them: ruff lints and format-checks
the Python (its settings in pyproject.toml), ESLint lints the page's JavaScript (tools/lint), and the
test files' names stay unique."""

import shutil
import subprocess
import sys

from ci_support import ROOT, skip_or_fail

LINT = ROOT / "tools" / "lint"


def ruff(*args):
    try:
        import ruff  # noqa: F401  (the package only says whether its binary is there)
    except ImportError:
        skip_or_fail("ruff is not installed (pip install -e '.[test]' installs it)")
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_python_passes_ruffs_lint():
    proc = ruff("check", "--output-format", "concise", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_python_is_formatted_as_ruff_formats_it():
    proc = ruff("format", "--check", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_javascript_passes_eslint():
    eslint = LINT / "node_modules" / ".bin" / "eslint"
    if not shutil.which("node"):
        skip_or_fail("node is not installed (it runs ESLint)")
    if not eslint.exists():
        skip_or_fail(f"ESLint is not installed: npm ci --prefix {LINT.relative_to(ROOT)}")
    proc = subprocess.run(
        [str(eslint), "-c", str(LINT / "eslint.config.js"), "web/js", "web/sw.js", "tests", "tools"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_test_files_have_unique_basenames():
    """pytest imports test modules by basename (no packages here): tests/x.py and tests/e2e/x.py
    would clash at collection, and the whole run would stop."""
    tests = ROOT / "tests"
    names = [p.name for p in tests.rglob("test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_no_test_module_imports_a_conftest_or_another_test_module():
    """Fixtures come from conftest.py files, which pytest loads; importing one by name picks whichever
    conftest was loaded first (there is one per folder), and test modules do not import each other."""
    import re

    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"\s*(from|import) (conftest|test_\w+)\b", line):
                offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert not offenders, offenders
