"""The extraction files: the published column layouts, one line per situation / mailbox, per tenant."""

import io
import zipfile

from core.app import SeedRequest
from core.population.model import Mailbox, Professional
from services.annuaire_sante.exports import MSSANTE, PERSONNE_ACTIVITE
from services.annuaire_sante.resources import BuildOptions, practitioner, technical_id

PERSONNE_ACTIVITE_URL = "/extractions/PS_LibreAcces_Personne_activite.txt"
MSSANTE_URL = "/extractions/Extraction_Correspondance_MSSante.txt"


def table(text: str, header: str) -> list[dict[str, str]]:
    lines = text.splitlines()
    assert lines[0] == header.rstrip("\n")
    names = lines[0].split("|")
    rows = [line.split("|") for line in lines[1:]]
    assert all(len(row) == len(names) for row in rows), "every line has the header's column count"
    return [dict(zip(names, row, strict=True)) for row in rows]


async def test_personne_activite_has_52_columns_and_a_line_per_active_situation(service, population):
    r = await service.get(PERSONNE_ACTIVITE_URL)
    assert r.status_code == 200 and r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["content-disposition"].startswith("attachment; filename=PS_LibreAcces_Personne_activite_")
    rows = table(r.text, PERSONNE_ACTIVITE)
    assert len(rows[0]) == 53 and rows[0][""] == ""  # 52 columns and the trailing separator
    leroy = population.professional("dr-leroy")
    (line,) = [row for row in rows if row["Identifiant PP"] == leroy.rpps]
    assert (line["Type d'identifiant PP"], line["Identification nationale PP"]) == ("8", "8" + leroy.rpps)
    assert (line["Code civilité d'exercice"], line["Libellé civilité d'exercice"]) == ("DR", "Docteur")
    assert (line["Code civilité"], line["Nom d'exercice"], line["Prénom d'exercice"]) == ("MME", "LEROY", "Claire")
    assert (line["Code profession"], line["Libellé profession"], line["Code catégorie professionnelle"]) == (
        "10", "Médecin", "C")
    assert (line["Code savoir-faire"], line["Code mode exercice"], line["Libellé mode exercice"]) == (
        "SM54", "L", "Libéral")
    msp = population.organization("msp-des-puys")
    assert (line["Numéro SIRET site"], line["Raison sociale site"]) == (msp.siret, msp.name)
    assert (line["Code postal (coord. structure)"], line["Code Département (structure)"]) == ("63000", "63")
    assert line["Ancien identifiant de la structure"] == msp.id_nat_struct
    # the MSP has no RPPS-rang: its technical id stands in; a FINESS site shows F + FINESS (IG rppsRang)
    assert line["Identifiant technique de la structure"] == technical_id("Organization", msp.id)
    (benali,) = [row for row in rows if row["Nom d'exercice"] == "BENALI"]
    assert benali["Identifiant technique de la structure"] == "F638000026"
    # "8 rue des Puys", read from the address line's ADXP parts
    assert [line[f"{c} (coord. structure)"] for c in ("Numéro Voie", "Code type de voie", "Libellé type de voie",
                                                      "Libellé Voie", "Libellé commune")] == [
        "8", "R", "Rue", "DES PUYS", "CLERMONT-FERRAND"]
    hospital = next(row for row in rows if row["Raison sociale site"] == "CENTRE HOSPITALIER DES VOLCANS")
    assert (hospital["Numéro FINESS site"], hospital["Numéro FINESS établissement juridique"]) == (
        "638000026", "638000018")
    assert population.professional("dr-faure").rpps not in {row["Identifiant PP"] for row in rows}


async def test_mssante_extraction_lists_per_and_org_mailboxes_with_31_columns(service, population):
    rows = table((await service.get(MSSANTE_URL)).text, MSSANTE)
    assert len(rows[0]) == 31
    by_address = {row["Adresse BAL"]: row for row in rows}
    personal = by_address["claire.leroy@medecin.mssante.fr"]
    assert (personal["Type de BAL"], personal["Identifiant PP"], personal["Nom d'exercice"]) == (
        "PER", population.professional("dr-leroy").rpps, "LEROY")
    assert personal["Identification Structure"] == ""
    situation = by_address["karim.benali@ch-volcans.mssante.fr"]
    assert situation["Identification Structure"] == "1638000026" and situation["Code postal"] == "63000"
    organisational = by_address["accueil@ch-volcans.mssante.fr"]
    assert (organisational["Type de BAL"], organisational["Identifiant PP"]) == ("ORG", "")
    assert organisational["Service de rattachement"] == "Admissions"
    assert {row["Type de BAL"] for row in rows} <= {"PER", "ORG", "CAB"}  # the published file holds no APP


async def test_real_download_path_serves_a_dated_zip(service):
    path = "/annuaire-sante-webservices/V300/services/extraction/Extraction_Correspondance_MSSante"
    r = await service.get(path)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith("attachment; filename=Extraction_Correspondance_MSSante_")
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    (name,) = archive.namelist()
    assert name.startswith("Extraction_Correspondance_MSSante_") and name.endswith(".txt") and len(name) == 50
    assert archive.read(name).decode() == (await service.get(MSSANTE_URL)).text
    personnes = zipfile.ZipFile(io.BytesIO((await service.get(
        "/annuaire-sante-webservices/V300/services/extraction/PS_LibreAcces")).content))
    assert personnes.namelist()[0].startswith("PS_LibreAcces_Personne_activite_")
    zipped = await service.get("/extractions/PS_LibreAcces_Personne_activite.zip")
    direct = zipfile.ZipFile(io.BytesIO(zipped.content))
    assert direct.read(direct.namelist()[0]).decode() == (await service.get(PERSONNE_ACTIVITE_URL)).text


async def test_extractions_are_per_tenant_and_need_no_api_key(app, service):
    seeded = len((await service.get(PERSONNE_ACTIVITE_URL)).text.splitlines())
    app.state.seed(SeedRequest("personas-only"))
    r = await service.get(PERSONNE_ACTIVITE_URL, headers={"x-sandbox-tenant": "personas-only"})
    assert r.status_code == 200 and len(r.text.splitlines()) < seeded


async def test_mailboxes_on_the_liste_rouge_never_reach_the_extraction(app, service, tenant):
    pro = Professional("rouge", "10000005479", "ROUGE", "Liste", "MME", "10",
                       mailboxes=(Mailbox("public@medecin.mssante.fr", "PER"),
                                  Mailbox("hidden@medecin.mssante.fr", "PER", liste_rouge=True)))
    with app.state.db.write() as conn:
        app.state.fhir.api.store.bulk_load(conn, tenant=tenant, resources=[
            practitioner(pro, BuildOptions(liste_rouge="flag"))])
    addresses = {row["Adresse BAL"] for row in table((await service.get(MSSANTE_URL)).text, MSSANTE)}
    assert "public@medecin.mssante.fr" in addresses and "hidden@medecin.mssante.fr" not in addresses
