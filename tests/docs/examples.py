"""The examples of README.md and docs/*.md, and how they are run (convention: docs/README.md).

```bash and ```python fenced blocks are examples; `<!-- example: skip (reason) -->` or
`<!-- example: expect-error -->` on the line just before a block qualifies it. This module parses the
Markdown and builds the bash script of one file; the tests run them against a live sandbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC_URL = "http://127.0.0.1:8080"  # the address the examples are written for, rewritten to the live sandbox
LANGUAGES = ("bash", "python")

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)[^`]*$")
_MARKER = re.compile(r"^[ \t]*<!--[ \t]*example:(?P<body>.*?)-->[ \t]*$")
_MARKER_START = re.compile(r"^[ \t]*<!--[ \t]*example\b")
_SKIP = re.compile(r"^skip[ \t]*\((?P<reason>.*)\)$")


@dataclass(frozen=True)
class Block:
    """One fenced block: ``line`` is the 1-based line of its opening fence."""

    path: str
    line: int
    lang: str
    code: str
    skip: str | None = None
    expect_error: bool = False


@dataclass
class Doc:
    path: str
    blocks: list[Block] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def runnable(self, lang: str) -> list[Block]:
        return [b for b in self.blocks if b.lang == lang]


def doc_files(root: Path = ROOT) -> list[Path]:
    """README.md and every docs/*.md, in a stable order."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def parse(text: str, path: str) -> Doc:
    """The blocks of one Markdown text, with the problems of its example markers."""
    doc = Doc(path)
    lines = text.splitlines()
    pending: tuple[int, str] | None = None  # (line, marker body) waiting for the next line's fence
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i]
        marker = _MARKER.match(line)
        if marker:
            if pending:
                doc.problems.append(f"{path}:{pending[0]}: example marker not followed by a ```bash or ```python block")
            pending = (number, marker.group("body").strip())
            i += 1
            continue
        if _MARKER_START.search(line):
            doc.problems.append(f"{path}:{number}: malformed example marker {line.strip()!r} "
                                "(write <!-- example: skip (reason) --> or <!-- example: expect-error -->)")
        fence = _FENCE.match(line)
        if not fence:
            if pending:
                doc.problems.append(f"{path}:{pending[0]}: example marker not followed by a ```bash or ```python block")
                pending = None
            i += 1
            continue
        indent, mark, info = fence.group("indent"), fence.group("fence"), fence.group("info").lower()
        body: list[str] = []
        i += 1
        while i < len(lines) and not re.match(rf"^[ \t]*{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        i += 1  # the closing fence
        marker_line, marker_body = pending or (0, "")
        pending = None
        if info not in LANGUAGES:
            if marker_line:
                doc.problems.append(f"{path}:{marker_line}: example marker before a ```{info} block, which is not run")
            continue
        skip, expect_error = None, False
        if marker_line:
            skip_match = _SKIP.match(marker_body)
            if marker_body == "expect-error":
                expect_error = True
            elif skip_match and skip_match.group("reason").strip():
                skip = skip_match.group("reason").strip()
            elif marker_body.startswith("skip"):
                doc.problems.append(f"{path}:{marker_line}: `<!-- example: skip -->` needs a reason: "
                                    "<!-- example: skip (why this block cannot run against the test sandbox) -->")
            else:
                doc.problems.append(f"{path}:{marker_line}: unknown example marker {marker_body!r} "
                                    "(skip (reason) or expect-error)")
        doc.blocks.append(Block(path, number, info, "\n".join(body) + "\n", skip, expect_error))
    if pending:
        doc.problems.append(f"{path}:{pending[0]}: example marker not followed by a ```bash or ```python block")
    return doc


def load(path: Path, root: Path = ROOT) -> Doc:
    return parse(path.read_text(encoding="utf-8"), str(path.relative_to(root)))


def rewrite(code: str, base_url: str) -> str:
    """The example aimed at the live sandbox instead of the documented default address."""
    return code.replace(DOC_URL, base_url)


CURL_STRICT = 'curl() { command curl --fail-with-body -sS "$@" || return; }'
CURL_LENIENT = 'curl() { command curl -sS "$@" || return; }'
BLOCK_MARK = "@@example-block"
FAIL_MARK = "@@example-failed"


@dataclass(frozen=True)
class Script:
    text: str
    starts: list[tuple[int, int]]  # (script line where a block's code starts, its fence line in the doc)


def bash_script(blocks: list[Block], base_url: str) -> Script:
    """One bash script running ``blocks`` in order: strict mode, the failing curl, a marker per block."""
    out = [
        "set -euo pipefail",
        CURL_STRICT,
        f"trap 'printf \"\\n{FAIL_MARK} %s %s@@\\n\" \"$LINENO\" \"$?\"' ERR",
    ]
    starts = []
    for block in blocks:
        if block.skip:
            continue
        out.append(f"printf '\\n{BLOCK_MARK} %s@@\\n' {block.line}")
        if block.expect_error:
            out.append(CURL_LENIENT)
        starts.append((len(out) + 1, block.line))
        out.extend(rewrite(block.code, base_url).rstrip("\n").split("\n"))
        if block.expect_error:
            out.append(CURL_STRICT)
    out.append(f"printf '\\n{BLOCK_MARK} end@@\\n'")
    return Script("\n".join(out) + "\n", starts)


def explain_failure(script: Script, output: str, returncode: int, path: str) -> str:
    """Which block failed (its line in ``path``), near which line, and what it printed."""
    blocks = re.findall(rf"{BLOCK_MARK} (\S+)@@", output)
    current = blocks[-1] if blocks else "?"
    failed = re.findall(rf"{FAIL_MARK} (\d+) (\d+)@@", output)
    where = f"{path}, block at line {current}"
    if failed:
        script_line = int(failed[-1][0])
        begun = [(s, d) for s, d in script.starts if s <= script_line]
        if begun:
            start, fence = begun[-1]
            where += f" (the command near line {fence + 1 + script_line - start}, exit status {failed[-1][1]})"
    tail = output.rsplit(f"{BLOCK_MARK} {current}@@", 1)[-1]
    tail = re.sub(rf"\n?{FAIL_MARK} \d+ \d+@@\n?", "\n", tail).strip()
    return f"{where} failed (bash exit status {returncode}); its output:\n{tail[-6000:]}"
