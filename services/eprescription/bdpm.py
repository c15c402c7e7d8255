"""Streaming parser of the BDPM files (Base de données publique des médicaments, ANSM), digest §5.2.

The files of https://base-donnees-publique.medicaments.gouv.fr/telechargement: tab-separated, one record
a line, no header, in Windows-1252 (Latin-1 with the typographic apostrophe and ``œ``: decoded as such,
an undefined byte falling back to Latin-1), with CRLF or LF endings, trailing tabs and empty fields.
``CIS_bdpm.txt`` (spécialités), ``CIS_CIP_bdpm.txt`` (presentations, CIP13) and ``CIS_COMPO_bdpm.txt``
(composition) are needed; ``CIS_GENER_bdpm.txt`` (generic groups) is optional.

A line that does not parse (a tab inside a field, a CIS of other than 8 digits...) is counted and
reported as ``file:line: reason`` (:class:`BadLine`); it never stops the load. A missing directory or
mandatory file raises :class:`BdpmError`, naming it and the fix.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from services.eprescription.codes import EprCode

CIS_FILE, CIP_FILE, COMPO_FILE, GENER_FILE = ("CIS_bdpm.txt", "CIS_CIP_bdpm.txt", "CIS_COMPO_bdpm.txt",
                                              "CIS_GENER_bdpm.txt")
MANDATORY = (CIS_FILE, CIP_FILE, COMPO_FILE)
DOWNLOAD = "https://base-donnees-publique.medicaments.gouv.fr/telechargement"
MAX_REPORTED = 100  # bad lines kept with their reason (all are counted)
PROGRESS_EVERY = 2000  # lines between two progress calls
ENCODING = "cp1252"


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("bdpm-latin1", _latin1_fallback)


class BdpmError(Exception):
    """The directory cannot be loaded at all (missing, or a mandatory file missing)."""

    def __init__(self, code: EprCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Speciality:  # CIS_bdpm.txt
    cis: str
    name: str
    form: str
    routes: tuple[str, ...]
    status: str  # AMM status: "Autorisation active", "Autorisation abrogée"...
    marketed: bool  # "Commercialisée" (not "Non commercialisée")


@dataclass(frozen=True)
class Presentation:  # CIS_CIP_bdpm.txt
    cis: str
    cip13: str
    label: str
    active: bool  # "Présentation active"


@dataclass(frozen=True)
class Composition:  # CIS_COMPO_bdpm.txt
    cis: str
    element: str  # the pharmaceutical element: "comprimé"
    substance: str  # ANSM substance code
    name: str
    dosage: str
    reference: str
    nature: str  # SA, FT
    link: int


@dataclass(frozen=True)
class GenericMember:  # CIS_GENER_bdpm.txt
    group: str
    label: str
    cis: str
    type: int  # 0 princeps, 1 générique, 2 complémentarité posologique, 4 générique substituable


@dataclass(frozen=True)
class BadLine:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def _digits(value: str, n: int) -> bool:
    return len(value) == n and value.isascii() and value.isdigit()


@dataclass
class BdpmFiles:
    """The BDPM files of a directory, read one at a time; bad lines collect in :attr:`bad`."""

    directory: Path
    progress: Callable[[int, int], None] | None = None
    paths: dict[str, Path] = field(init=False)
    bad: list[BadLine] = field(init=False, default_factory=list)
    bad_count: int = field(init=False, default=0)
    done: int = field(init=False, default=0)
    total: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)
        if not self.directory.is_dir():
            raise BdpmError(EprCode.BDPM_NOT_A_DIRECTORY, f"{self.directory} is not a directory. Give the directory "
                            f"holding {', '.join(MANDATORY)} (download them from {DOWNLOAD}).")
        present = {p.name.lower(): p for p in self.directory.iterdir() if p.is_file()}
        missing = [name for name in MANDATORY if name.lower() not in present]
        if missing:
            raise BdpmError(EprCode.BDPM_FILE_MISSING, f"{', '.join(missing)} missing in {self.directory}: the BDPM "
                            f"needs {', '.join(MANDATORY)} (and optionally {GENER_FILE}). Download them from "
                            f"{DOWNLOAD} into that directory, unzipped, under these names.")
        self.paths = {name: present[name.lower()] for name in (*MANDATORY, GENER_FILE) if name.lower() in present}
        self.total = sum(_line_count(p) for p in self.paths.values())

    @property
    def has_generics(self) -> bool:
        return GENER_FILE in self.paths

    def specialities(self) -> Iterator[Speciality]:
        for n, f in self._lines(CIS_FILE, 11, most=12):
            if not _digits(f[0], 8):
                self._bad(CIS_FILE, n, f"a CIS has 8 digits, not {f[0][:20]!r}")
            elif not f[1]:
                self._bad(CIS_FILE, n, "the denomination (2nd field) is empty")
            else:
                routes = tuple(r.strip() for r in f[3].split(";") if r.strip())
                yield Speciality(f[0], f[1], f[2], routes, f[4], f[6] == "Commercialisée")

    def presentations(self) -> Iterator[Presentation]:
        for n, f in self._lines(CIP_FILE, 7):
            if not _digits(f[0], 8):
                self._bad(CIP_FILE, n, f"a CIS has 8 digits, not {f[0][:20]!r}")
            elif not (_digits(f[6], 13) and f[6].startswith("34009")):
                self._bad(CIP_FILE, n, f"a CIP13 has 13 digits starting 34009, not {f[6][:20]!r}")
            else:
                yield Presentation(f[0], f[6], " ".join(f[2].split()), f[3] == "Présentation active")

    def compositions(self) -> Iterator[Composition]:
        for n, f in self._lines(COMPO_FILE, 8, most=9):
            if not _digits(f[0], 8):
                self._bad(COMPO_FILE, n, f"a CIS has 8 digits, not {f[0][:20]!r}")
            elif not (f[2].isascii() and f[2].isdigit() and len(f[2]) <= 12):
                self._bad(COMPO_FILE, n, f"a substance code is digits, not {f[2][:20]!r}")
            elif not (f[7].isascii() and f[7].isdigit()):
                self._bad(COMPO_FILE, n, f"the component number (8th field) is digits, not {f[7][:20]!r}")
            else:
                yield Composition(f[0], f[1], f[2], f[3], f[4], f[5], f[6], int(f[7]))

    def generics(self) -> Iterator[GenericMember]:
        if not self.has_generics:
            return
        for n, f in self._lines(GENER_FILE, 5, most=None):
            while len(f) > 5 and not f[-1]:
                f.pop()
            # anchored on both ends: a few official lines hold a stray tab inside the label
            group, label, cis, kind = f[0], " ".join(x for x in f[1:-3] if x), f[-3], f[-2]
            if not (group.isascii() and group.isdigit()):
                self._bad(GENER_FILE, n, f"a generic group id is digits, not {group[:20]!r}")
            elif not _digits(cis, 8):
                self._bad(GENER_FILE, n, f"a CIS has 8 digits, not {cis[:20]!r}")
            elif kind not in ("0", "1", "2", "4"):
                self._bad(GENER_FILE, n, f"a generic type is 0, 1, 2 or 4, not {kind[:20]!r}")
            else:
                yield GenericMember(group, label, cis, int(kind))

    def _lines(self, name: str, least: int, most: int | None = 13) -> Iterator[tuple[int, list[str]]]:
        """(line number, fields) of the non-empty lines of ``name`` holding ``least`` to ``most`` fields (trailing
        empty fields aside); the others are reported."""
        path = self.paths[name]
        with path.open(encoding=ENCODING, errors="bdpm-latin1", newline="") as lines:
            for n, line in enumerate(lines, 1):
                self.done += 1
                if self.progress is not None and self.done % PROGRESS_EVERY == 0:
                    self.progress(self.done, self.total)
                fields = [f.strip() for f in line.rstrip("\r\n").split("\t")]
                while len(fields) > least and not fields[-1]:
                    fields.pop()
                if fields == [""]:
                    continue
                if len(fields) < least or (most is not None and len(fields) > most):
                    self._bad(name, n, f"{len(fields)} fields where {least}"
                                       f"{'' if most == least else f' to {most}' if most else ' or more'} are "
                                       "expected (a tab inside a field, or a truncated line?)")
                    continue
                yield n, fields
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _bad(self, name: str, line: int, reason: str) -> None:
        self.bad_count += 1
        if len(self.bad) < MAX_REPORTED:
            self.bad.append(BadLine(name, line, reason))


def _line_count(path: Path) -> int:
    """Lines of ``path`` (counted on bytes: a progress bar's total, not worth decoding for)."""
    count, last = 0, b"\n"
    with path.open("rb") as raw:
        while block := raw.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")
