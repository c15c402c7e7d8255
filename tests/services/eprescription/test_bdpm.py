"""The BDPM parser: the real files stream whole with their accents, a bad line is reported (file:line) and
skipped, a missing directory or file is one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.eprescription.bdpm import CIP_FILE, CIS_FILE, COMPO_FILE, GENER_FILE, BdpmError, BdpmFiles
from services.eprescription.codes import EprCode
from tests.services.eprescription.bdpm_files import require_bdpm, rows

CIS_LINE = ("60234100\tDOLIPRANE 1000 mg, comprimé\tcomprimé\torale\tAutorisation active\tProcédure nationale\t"
            "Commercialisée\t02/01/2003\t\t\t OPELLA HEALTHCARE FRANCE\tNon")
CIP_LINE = ("60234100\t3595583\tplaquette(s) thermoformée(s) PVC-aluminium de 8  comprimé(s)\tPrésentation active\t"
            "Déclaration de commercialisation\t02/01/2003\t3400935955838\toui\t65%\t1,07\t2,09\t1,02\t")
COMPO_LINE = "60234100\tcomprimé\t02202\tPARACÉTAMOL\t1000 mg\tun comprimé\tSA\t1\t"
GENER_LINE = "148\tAMOXICILLINE 500 mg - CLAMOXYL 500 mg, gélule\t60234100\t1\t2\t"


class Parsed:
    def __init__(self, files: BdpmFiles) -> None:
        self.files = files
        self.specialities = list(files.specialities())
        self.presentations = list(files.presentations())
        self.compositions = list(files.compositions())
        self.generics = list(files.generics())


@pytest.fixture(scope="module")
def real() -> Parsed:
    calls: list[tuple[int, int]] = []
    parsed = Parsed(BdpmFiles(require_bdpm(), progress=lambda done, total: calls.append((done, total))))
    parsed.calls = calls
    return parsed


def write(directory: Path, name: str, *lines: str, ending: str = "\r\n") -> None:
    directory.mkdir(exist_ok=True)
    (directory / name).write_bytes("".join(line + ending for line in lines).encode("cp1252"))


def small(tmp_path: Path, **extra: tuple[str, ...]) -> Path:
    """A directory of one-line BDPM files, plus the ``extra`` lines given per file (cis=, cip=, compo=, gener=)."""
    directory = tmp_path / "bdpm"
    write(directory, CIS_FILE, CIS_LINE, *extra.get("cis", ()))
    write(directory, CIP_FILE, CIP_LINE, *extra.get("cip", ()), ending="\n")
    write(directory, COMPO_FILE, COMPO_LINE, *extra.get("compo", ()))
    write(directory, GENER_FILE, GENER_LINE, *extra.get("gener", ()))
    return directory


def test_the_real_files_load_whole(real) -> None:
    assert len(real.specialities) == len(rows(CIS_FILE))
    assert len(real.presentations) == len(rows(CIP_FILE))
    assert len(real.generics) == len(rows(GENER_FILE))
    assert len(real.compositions) == len(rows(COMPO_FILE)) - real.files.bad_count
    assert len(real.specialities) > 15_000 and len(real.presentations) > 20_000 and len(real.compositions) > 30_000


def test_the_real_files_report_their_own_bad_lines_with_file_and_line(real) -> None:
    # a few official CIS_COMPO lines hold a tab inside the substance name: reported, not loaded, not fatal
    assert 0 < real.files.bad_count < 10
    assert all(bad.file == COMPO_FILE and bad.line > 0 for bad in real.files.bad)
    assert str(real.files.bad[0]).startswith(f"{COMPO_FILE}:{real.files.bad[0].line}: ")


def test_latin_accents_and_windows_apostrophes_are_decoded(real) -> None:
    doliprane = next(s for s in real.specialities if s.cis == "60234100")
    assert (doliprane.name, doliprane.form, doliprane.routes) == ("DOLIPRANE 1000 mg, comprimé", "comprimé", ("orale",))
    assert doliprane.marketed and doliprane.status == "Autorisation active"
    assert any("’" in s.name for s in real.specialities)  # 0x92 in the files: Windows-1252, not a C1 control
    assert not any("\x92" in s.name or "\x9c" in s.name for s in real.specialities)
    assert any(c.name == "PARACÉTAMOL" and c.substance == "02202" for c in real.compositions)


def test_several_routes_are_split_and_generic_types_read(real) -> None:
    assert any(len(s.routes) > 1 for s in real.specialities)
    assert {g.type for g in real.generics} == {0, 1, 2, 4}
    # two official CIS_GENER lines carry a stray tab in the label: anchored on both ends, they still read
    assert {"67215259", "69616681"} <= {g.cis for g in real.generics}


def test_progress_counts_every_line_up_to_the_total(real) -> None:
    done, total = real.calls[-1]
    assert done == total == sum(len(rows(name)) for name in (CIS_FILE, CIP_FILE, COMPO_FILE, GENER_FILE))
    assert [d for d, _ in real.calls] == sorted(d for d, _ in real.calls)


def test_a_bad_line_is_reported_and_the_others_load(tmp_path) -> None:
    directory = small(tmp_path, cis=("6023410\tSHORT CIS\tcomprimé\torale\tAutorisation active\t\tCommercialisée"
                                     "\t\t\t\t X\tNon", "just one field"),
                      cip=("60234100\t1\tlabel\tPrésentation active\t\t\t12345",),
                      compo=("60234100\tcomprimé\tABC\tX\t1 mg\tun comprimé\tSA\t1\t",),
                      gener=("148\tlabel\t60234100\t7\t1\t",))
    files = BdpmFiles(directory)
    parsed = Parsed(files)
    assert [s.cis for s in parsed.specialities] == ["60234100"]
    assert len(parsed.presentations) == len(parsed.compositions) == len(parsed.generics) == 1
    assert files.bad_count == 5
    assert [str(b).split(": ")[0] for b in files.bad] == [f"{CIS_FILE}:2", f"{CIS_FILE}:3", f"{CIP_FILE}:2",
                                                          f"{COMPO_FILE}:2", f"{GENER_FILE}:2"]
    assert "8 digits" in files.bad[0].reason and "fields" in files.bad[1].reason


def test_crlf_lf_trailing_tabs_blank_lines_and_undefined_bytes(tmp_path) -> None:
    directory = small(tmp_path, cis=("",))
    raw = (directory / COMPO_FILE).read_bytes().replace("PARACÉTAMOL".encode("cp1252"), b"PARAC\x81TAMOL")
    (directory / COMPO_FILE).write_bytes(raw)
    parsed = Parsed(BdpmFiles(directory))
    assert parsed.files.bad_count == 0
    assert parsed.presentations[0].label == "plaquette(s) thermoformée(s) PVC-aluminium de 8 comprimé(s)"
    assert parsed.compositions[0].name == "PARAC\x81TAMOL"  # no cp1252 character: read as Latin-1, never a crash


def test_the_generic_groups_file_is_optional(tmp_path) -> None:
    directory = small(tmp_path)
    (directory / GENER_FILE).unlink()
    files = BdpmFiles(directory)
    assert not files.has_generics and list(files.generics()) == []


def test_a_missing_mandatory_file_names_it_and_the_fix(tmp_path) -> None:
    directory = small(tmp_path)
    (directory / CIP_FILE).unlink()
    with pytest.raises(BdpmError) as caught:
        BdpmFiles(directory)
    assert caught.value.code == EprCode.BDPM_FILE_MISSING
    assert CIP_FILE in caught.value.message and "telechargement" in caught.value.message


def test_a_path_that_is_no_directory_is_one_clear_error(tmp_path) -> None:
    with pytest.raises(BdpmError) as caught:
        BdpmFiles(tmp_path / "nowhere")
    assert caught.value.code == EprCode.BDPM_NOT_A_DIRECTORY and "nowhere" in caught.value.message
