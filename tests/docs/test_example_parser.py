"""How the example runner reads Markdown and builds its bash script (convention: docs/README.md)."""

from __future__ import annotations

import subprocess
import sys

from tests.docs.examples import Block, bash_script, explain_failure, parse, rewrite


def test_bash_and_python_blocks_are_examples_other_fences_are_not():
    doc = parse("a\n```bash\necho 1\n```\n```json\n{}\n```\n```python\nprint(2)\n```\n```text\nx\n```\n", "d.md")
    assert [(b.lang, b.line, b.code) for b in doc.blocks] == [("bash", 2, "echo 1\n"), ("python", 8, "print(2)\n")]
    assert not doc.problems


def test_skip_needs_a_reason():
    doc = parse("<!-- example: skip (starts the server) -->\n```bash\nsandbox up\n```\n"
                "<!-- example: skip -->\n```bash\nx\n```\n<!-- example: skip () -->\n```python\ny\n```\n", "d.md")
    assert doc.blocks[0].skip == "starts the server"
    assert doc.blocks[1].skip is None and doc.blocks[2].skip is None
    assert [p.split(":")[1] for p in doc.problems] == ["5", "9"]
    assert all("needs a reason" in p for p in doc.problems)


def test_a_marker_must_sit_on_the_line_just_before_a_runnable_block():
    doc = parse("<!-- example: expect-error -->\n\n```bash\nx\n```\n<!-- example: skip (r) -->\n```json\n{}\n```\n"
                "<!-- example: skipped (r) -->\n```bash\ny\n```\n<!-- example: nonsense\n", "d.md")
    assert len(doc.problems) == 4
    assert not any(b.expect_error or b.skip for b in doc.blocks)


def test_expect_error_and_indented_fences():
    doc = parse("1. step\n   <!-- example: expect-error -->\n   ```bash\n   curl -s x\n   ```\n", "d.md")
    assert doc.blocks == [Block("d.md", 3, "bash", "curl -s x\n", None, True)]


def test_the_documented_address_is_rewritten():
    assert rewrite("curl http://127.0.0.1:8080/livez", "http://127.0.0.1:4321") == "curl http://127.0.0.1:4321/livez"


def _run(blocks):
    script = bash_script(blocks, "http://127.0.0.1:9")
    done = subprocess.run(["bash", "-c", script.text], capture_output=True, text=True, timeout=30)
    return script, done


def test_blocks_share_one_shell_and_a_failure_names_its_block_and_line():
    blocks = [Block("d.md", 10, "bash", "X=1\n"), Block("d.md", 20, "bash", "echo $X\nfalse\necho never\n")]
    script, done = _run(blocks)
    assert done.returncode != 0 and "never" not in done.stdout
    message = explain_failure(script, done.stdout + done.stderr, done.returncode, "d.md")
    assert message.startswith("d.md, block at line 20 (the command near line 22")
    assert "1" in message


def test_curl_fails_on_an_http_error_unless_the_block_expects_one(tmp_path):
    server = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = server.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N ..."
        port = line.split(" port ")[1].split()[0]
        missing = f"curl -s http://127.0.0.1:{port}/missing\n"
        _, done = _run([Block("d.md", 1, "bash", missing)])
        assert done.returncode == 22
        _, done = _run([Block("d.md", 1, "bash", missing, expect_error=True), Block("d.md", 5, "bash", "echo ok\n")])
        assert done.returncode == 0 and "ok" in done.stdout
        _, done = _run([Block("d.md", 1, "bash", missing, expect_error=True), Block("d.md", 5, "bash", missing)])
        assert done.returncode == 22  # the strict curl is back after the expect-error block
    finally:
        server.terminate()
        server.wait(timeout=10)
