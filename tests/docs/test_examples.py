"""Every example of README.md and docs/*.md runs against a live sandbox (convention: docs/README.md).

One test per file for its bash blocks (run in order in one bash process), one per python block.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.docs.examples import ROOT, bash_script, doc_files, explain_failure, load, rewrite

DOCS = [load(path) for path in doc_files()]
PYTHON = [block for doc in DOCS for block in doc.runnable("python")]
TIMEOUT = 120


@pytest.fixture(scope="session")
def workdirs(tmp_path_factory):
    """One working directory per documentation file, shared by its blocks (files one block writes)."""
    made: dict[str, object] = {}

    def get(path: str):
        if path not in made:
            made[path] = tmp_path_factory.mktemp(path.replace("/", "-").removesuffix(".md"))
        return made[path]

    return get


@pytest.mark.parametrize("doc", DOCS, ids=[doc.path for doc in DOCS])
def test_example_markers_are_well_formed(doc):
    assert not doc.problems, "\n".join(doc.problems)


@pytest.mark.parametrize("doc", [d for d in DOCS if d.runnable("bash")],
                         ids=[d.path for d in DOCS if d.runnable("bash")])
def test_bash_examples(doc, live_sandbox, workdirs):
    assert not doc.problems, "\n".join(doc.problems)
    blocks = doc.runnable("bash")
    if all(block.skip for block in blocks):
        pytest.skip("; ".join(f"line {b.line}: {b.skip}" for b in blocks))
    script = bash_script(blocks, live_sandbox.url)
    try:
        done = subprocess.run(["bash", "-c", script.text], cwd=workdirs(doc.path), env=live_sandbox.env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode(errors="replace")
        pytest.fail(explain_failure(script, output, -1, doc.path) + f"\n(timed out after {TIMEOUT} s)")
    output = done.stdout.decode(errors="replace")
    print(output)  # shown with `pytest -rP tests/docs`
    if done.returncode != 0:
        pytest.fail(explain_failure(script, output, done.returncode, doc.path), pytrace=False)


@pytest.mark.parametrize("block", PYTHON, ids=[f"{b.path}:{b.line}" for b in PYTHON])
def test_python_example(block, live_sandbox, workdirs):
    if block.skip:
        pytest.skip(block.skip)
    problems = [p for p in next(d for d in DOCS if d.path == block.path).problems]
    assert not problems, "\n".join(problems)
    workdir = workdirs(block.path)
    source = workdir / f"example_line_{block.line}.py"
    source.write_text(rewrite(block.code, live_sandbox.url), encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, str(source)], cwd=workdir, env=live_sandbox.env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{block.path}, python block at line {block.line} timed out after {TIMEOUT} s", pytrace=False)
    output = done.stdout.decode(errors="replace")
    print(output)
    failed = done.returncode != 0
    if failed != block.expect_error:
        what = "failed" if failed else "was expected to fail (expect-error) but exited 0"
        pytest.fail(f"{block.path}, python block at line {block.line} {what}; its output:\n{output[-6000:]}",
                    pytrace=False)


def test_the_examples_are_found():
    """The runner sees the documentation (a moved file or a renamed fence would silently run nothing)."""
    assert (ROOT / "README.md") in doc_files()
    assert sum(len(d.runnable("bash")) for d in DOCS) >= 5 and PYTHON
