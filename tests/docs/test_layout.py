"""README.md's "Layout" names every module and subpackage of core/, gateway/ and services/."""

from __future__ import annotations

import re

from tests.docs.examples import ROOT

PACKAGES = ("core", "gateway", "services")


def layout_entries() -> dict[str, str]:
    """Each layout line's path and the text describing it (continuation lines included)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("\n## Layout\n", 1)[1].split("```", 2)[1]
    entries: dict[str, str] = {}
    current = None
    for line in block.splitlines():
        if match := re.match(r"^(\S+)\s+(.*)", line):
            current = match.group(1)
            entries[current] = match.group(2)
        elif current and line.strip():
            entries[current] += " " + line.strip()
    return entries


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+/?", text))


def _key(path) -> str:
    return f"{path.relative_to(ROOT).as_posix()}/"


def test_the_layout_names_every_module():
    """A package with its own layout line lists its modules and subdirectories; a subdirectory named in
    its parent's line (``routers/``, ``wsdl/``) is not detailed. Every service has a line."""
    entries = layout_entries()
    missing = []
    for top in PACKAGES:
        for package in sorted([ROOT / top, *(ROOT / top).rglob("*")]):
            if not package.is_dir() or "__pycache__" in package.parts:
                continue
            key = _key(package)
            if key in entries:
                words = _words(entries[key])
                for child in sorted(package.iterdir()):
                    if child.suffix == ".py" and child.stem != "__init__" and child.stem not in words:
                        missing.append(f"{key}{child.name}")
                    elif (child.is_dir() and child.name != "__pycache__" and f"{child.name}/" not in words
                          and _key(child) not in entries):
                        missing.append(f"{_key(child)} (neither named in {key} nor a line of its own)")
            elif package.parent == ROOT / "services" and (package / "__init__.py").exists():
                missing.append(f"{key} (a service without a layout line)")
    assert not missing, "README.md 'Layout' does not name: " + ", ".join(missing)


def test_every_module_the_layout_names_exists():
    """The other way: a name in a package's line (``name (what) · name``) is a module or directory of it."""
    stale = []
    for key, text in layout_entries().items():
        package = ROOT / key
        if not key.startswith(PACKAGES) or not package.is_dir():
            continue
        for piece in re.split(r"[·;]", re.sub(r"\([^)]*\)", "", text)):
            for name in re.findall(r"\w+/?", piece.split(":")[-1]):
                if not ((package / f"{name}.py").exists() or (name.endswith("/") and (package / name).is_dir())):
                    stale.append(f"{key}{name}")
    assert not stale, "README.md 'Layout' names what does not exist: " + ", ".join(stale)
