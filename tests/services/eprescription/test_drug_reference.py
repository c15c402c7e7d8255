"""The drug reference: lookups in every code system, generic substitution, an idempotent ensure, and BDPM loads
that supersede the built-in rows, replace each other, and leave tenants alone (SQLite, and PostgreSQL)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from core.db import Database
from services.eprescription import drugs
from services.eprescription import medication_codes as mc
from services.eprescription.bdpm import BdpmError
from services.eprescription.drug_reference import BDPM, BUILTIN, DrugReference, medication
from tests.services.eprescription.bdpm_files import require_bdpm
from tests.services.eprescription.test_bdpm import small


def reference(url: str, prefix: str = "eprescription") -> DrugReference:
    db = Database(url, prefix=prefix)
    drugs_ = DrugReference(db)
    db.create_all()
    return drugs_


@pytest.fixture
def builtin(tmp_path) -> DrugReference:
    ref = reference(f"sqlite:///{tmp_path / 'epr.db'}")
    ref.ensure(None)
    yield ref
    ref.db.dispose()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> DrugReference:
    """The real BDPM loaded once for the module (over the built-in set)."""
    ref = reference(f"sqlite:///{tmp_path_factory.mktemp('bdpm') / 'epr.db'}")
    ref.ensure(None)
    ref.counts = ref.load_bdpm(require_bdpm())
    yield ref
    ref.db.dispose()


def lookup(ref: DrugReference, system: str, code: str):  # noqa: ANN201 - a DrugEntry or None
    with ref.db.read() as conn:
        return ref.lookup(conn, system, code)


def substitutable(ref: DrugReference, prescribed: tuple[str, str], dispensed: tuple[str, str]) -> bool:
    with ref.db.read() as conn:
        return ref.substitutable(conn, ref.lookup(conn, *prescribed), ref.lookup(conn, *dispensed))


def test_ensure_loads_the_built_in_set_once(builtin) -> None:
    assert builtin.ensure(None) == {}
    with builtin.db.read() as conn:
        assert conn.execute(builtin.product.select()).all().__len__() == len(drugs.MEDICINES)
    assert builtin.loaded()["bdpm"] is None


def test_the_first_ensure_answers_the_medicines_added(tmp_path) -> None:
    ref = reference(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert ref.ensure(None) == {"medicines": len(drugs.MEDICINES)}


@pytest.mark.parametrize(("system", "code", "cis", "display"), [
    (mc.CIS, "60234100", "60234100", "DOLIPRANE 1000 mg, comprimé"),
    (mc.CIP, "3400935955838", "60234100", "DOLIPRANE 1000 mg, comprimé - plaquette(s) thermoformée(s) "
     "PVC-aluminium de 8 comprimé(s)"),
    (mc.UCD, "3400893766521", None, "EFFERALGAN 1000 mg cpr"),
    (mc.SMS, "100000090270", None, "paracétamol"),
    (mc.SUBSTANCE, drugs.PARACETAMOL, None, "PARACÉTAMOL"),
    (mc.MEDICABASE, "MV00000063", None, "paracétamol (médicament virtuel, exemple du guide FR ePrescription)"),
])
def test_lookup_in_every_code_system(builtin, system, code, cis, display) -> None:
    entry = lookup(builtin, system, code)
    assert (entry.system, entry.code, entry.cis, entry.display, entry.source) == (system, code, cis, display, BUILTIN)


def test_lookup_of_an_unknown_or_mis_systemed_code_is_none(builtin) -> None:
    assert lookup(builtin, mc.CIS, "99999999") is None
    assert lookup(builtin, mc.CIP, "60234100") is None  # a CIS is not a CIP13
    assert lookup(builtin, "http://example.org", "60234100") is None


def test_a_generic_of_the_same_group_is_substitutable_and_another_group_is_not(builtin) -> None:
    clamoxyl, biogaran = (mc.CIS, "67707794"), (mc.CIS, "69118175")  # group 148: princeps, generic
    assert lookup(builtin, *clamoxyl).generic_group == "148"
    assert substitutable(builtin, clamoxyl, biogaran) and substitutable(builtin, biogaran, clamoxyl)
    assert not substitutable(builtin, clamoxyl, (mc.CIS, "64539416"))  # CLAMOXYL 1 g: another group
    assert substitutable(builtin, (mc.CIP, "3400935955838"), (mc.CIP, "3400956369553"))  # same spécialité
    assert not substitutable(builtin, (mc.CIS, "60234100"), (mc.CIS, "61574554"))  # no group for paracétamol


def test_a_substance_or_virtual_prescription_takes_a_specialite_of_exactly_that_substance(builtin) -> None:
    for prescribed in ((mc.SMS, "100000090270"), (mc.MEDICABASE, "MV00000063"), (mc.SUBSTANCE, drugs.PARACETAMOL),
                       (mc.UCD, "3400893766521")):
        assert substitutable(builtin, prescribed, (mc.CIS, "60234100")), prescribed  # DOLIPRANE 1000
        assert substitutable(builtin, prescribed, (mc.CIP, "3400930096383")), prescribed  # EFFERALGAN, by CIP13
        assert not substitutable(builtin, prescribed, (mc.CIS, "60904643")), prescribed  # + codéine
        assert not substitutable(builtin, prescribed, (mc.CIS, "68634000")), prescribed  # ibuprofène
    codoliprane = (mc.UCD, "3400893936047")
    assert substitutable(builtin, codoliprane, (mc.CIS, "60904643"))
    assert not substitutable(builtin, codoliprane, (mc.CIS, "60234100"))


def test_salt_and_base_rows_of_one_component_count_as_one_substance(builtin) -> None:
    amoxicillin = (mc.SUBSTANCE, "05248")  # the base (FT) of AMOXICILLINE TRIHYDRATÉE (SA)
    assert substitutable(builtin, amoxicillin, (mc.CIS, "69118175"))
    assert not substitutable(builtin, amoxicillin, (mc.CIS, "63565244"))  # + acide clavulanique


def test_the_rendered_medication_carries_its_codes_form_and_ingredients(builtin) -> None:
    with builtin.db.read() as conn:
        product = builtin.read(conn, "cis-60234100")
    resource = medication(product, "http://sandbox.test/eprescription/fhir")
    assert resource["id"] == "cis-60234100" and resource["status"] == "active"
    assert [(c["system"], c["code"]) for c in resource["code"]["coding"]] == [
        (mc.CIS, "60234100"), (mc.CIP, "3400935955838"), (mc.CIP, "3400956369553")]
    assert resource["form"] == {"text": "comprimé"}
    (ingredient,) = resource["ingredient"]
    assert ingredient["itemCodeableConcept"]["coding"][0]["code"] == drugs.PARACETAMOL
    assert ingredient["strength"]["numerator"] == {"value": 1000, "unit": "mg", "system": mc.UCUM, "code": "mg"}
    assert ingredient["strength"]["denominator"] == {"value": 1, "unit": "comprimé"}


def test_the_real_bdpm_loads_with_its_counts(loaded) -> None:
    counts = loaded.counts
    assert counts["medicines"] > 15_000 and counts["presentations"] > 20_000 and counts["components"] > 30_000
    assert counts["generic_groups"] > 1_000 and counts["substances"] > 3_000 and 0 < counts["bad_lines"] < 10
    assert counts["builtin_medicines"] == 0  # every built-in CIS is in the BDPM: superseded
    assert loaded.loaded()["bdpm"]["counts"] == counts


def test_bdpm_rows_supersede_the_built_in_ones_and_the_ig_codes_stay(loaded) -> None:
    doliprane = lookup(loaded, mc.CIS, "60234100")
    assert doliprane.source == BDPM and doliprane.display == "DOLIPRANE 1000 mg, comprimé"
    assert lookup(loaded, mc.CIP, "3400935955838").source == BDPM
    for system, code in ((mc.UCD, "3400893766521"), (mc.SMS, "100000090270"), (mc.MEDICABASE, "MV00000063")):
        assert lookup(loaded, system, code).source == BUILTIN
    assert lookup(loaded, mc.SUBSTANCE, drugs.PARACETAMOL).source == BDPM
    assert substitutable(loaded, (mc.SMS, "100000090270"), (mc.CIS, "67217826"))  # PARACETAMOL BIOGARAN


def test_bdpm_generic_groups_hold_every_member(loaded) -> None:
    tahor, generic = lookup(loaded, mc.CIS, "69902323"), lookup(loaded, mc.CIS, "68212077")
    assert tahor.generic_group == generic.generic_group == "914"
    for cis in ("63998110", "68125932", "62847550"):  # other members of group 914 (CIS_GENER) still in CIS_bdpm
        assert substitutable(loaded, (mc.CIS, "69902323"), (mc.CIS, cis)), cis
    assert not substitutable(loaded, (mc.CIS, "69902323"), (mc.CIS, "67143532"))  # TAHOR 10 mg: group 913


def test_ensure_with_a_bdpm_dir_loads_it_once(tmp_path) -> None:
    ref = reference(f"sqlite:///{tmp_path / 'epr.db'}")
    directory = small(tmp_path)
    first = ref.ensure(directory)
    # one BDPM medicine (DOLIPRANE 1000) superseding its built-in row, the other built-ins kept: records only
    assert first == {"medicines": len(drugs.MEDICINES), "presentations": 1, "components": 1, "substances": 1,
                     "generic_groups": 1}
    assert ref.ensure(directory) == {} and ref.ensure(None) == {}
    assert lookup(ref, mc.CIS, "60234100").source == BDPM
    assert lookup(ref, mc.CIS, "61574554").source == BUILTIN  # EFFERALGAN: not in that BDPM, built-in stays


def test_a_new_load_replaces_the_previous_one_and_brings_built_ins_back(tmp_path) -> None:
    ref = reference(f"sqlite:///{tmp_path / 'epr.db'}")
    ref.ensure(None)
    ref.load_bdpm(small(tmp_path))
    other = tmp_path / "other"
    other.mkdir()
    for f in (small(tmp_path)).iterdir():
        (other / f.name).write_bytes(f.read_bytes().replace(b"60234100", b"61574554"))
    ref.load_bdpm(other)
    assert lookup(ref, mc.CIS, "60234100").source == BUILTIN  # gone from the BDPM: the built-in row is back
    assert lookup(ref, mc.CIS, "61574554").source == BDPM


def test_a_failed_load_changes_nothing(builtin, tmp_path) -> None:
    with pytest.raises(BdpmError):
        builtin.load_bdpm(tmp_path / "missing")
    assert lookup(builtin, mc.CIS, "60234100").source == BUILTIN


def test_tenant_wipes_leave_the_reference(builtin) -> None:
    builtin.db.wipe_tenant("default")
    assert lookup(builtin, mc.CIS, "60234100") is not None
    assert all("tenant" not in t.c for t in (builtin.product, builtin.code, builtin.component, builtin.meta))


@pytest.fixture(scope="module")
def on_postgres(postgres_url) -> DrugReference:
    ref = reference(postgres_url, prefix=f"eprescription_t{uuid.uuid4().hex[:8]}")
    yield ref
    ref.db.dispose()


def test_the_real_bdpm_loads_on_postgresql_as_on_sqlite(on_postgres, loaded) -> None:
    assert on_postgres.ensure(None) == {"medicines": len(drugs.MEDICINES)}
    counts = on_postgres.load_bdpm(require_bdpm())
    assert counts == loaded.counts
    assert on_postgres.load_bdpm(Path(require_bdpm())) == counts  # a reload replaces, no duplicate key
    assert lookup(on_postgres, mc.CIP, "3400935955838").cis == "60234100"
    assert substitutable(on_postgres, (mc.SMS, "100000090270"), (mc.CIS, "67217826"))
    with on_postgres.db.read() as conn:
        total, _ = on_postgres.search(conn, name_contains="Éfferalgan", count=5)
    with loaded.db.read() as conn:
        assert total == loaded.search(conn, name_contains="efferalgan", count=5)[0] > 0
