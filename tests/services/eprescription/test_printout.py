"""The printed prescription (printed.py, templates/prescription.html): what a real ordonnance shows, escaped,
with its QR code inline and the dashed number beneath it."""

from __future__ import annotations

import html
import re

from core.pages import HEADERS
from services.eprescription import lines, numbers, printed, views
from services.eprescription.medication_codes import EDQM, UCD
from services.eprescription.spec import ID_NAT_PS, INS_NIR_SYSTEM
from services.eprescription.views import Prescription
from tests.services.eprescription import support
from tests.services.eprescription.qrdecode import decode_png, decode_svg, png_header

BODY = "7KQ2M9XW4TCBH3R"
NUMBER = BODY + numbers.check_character(BODY)
DASHED = numbers.display(NUMBER)
ADRUN_INS, LEROY = "275126322074974", "899799000015"


def quantity(value: float) -> dict:
    return {"value": value, "unit": "boîte", "system": EDQM, "code": "30007000"}


def line(index: int, medicine: str, code: str, **extra: object) -> dict:
    return {"resourceType": "MedicationRequest", "id": f"{NUMBER}-{index:03d}", "status": "active",
            "intent": "order", "groupIdentifier": {"system": numbers.SYSTEM, "value": NUMBER},
            "medicationCodeableConcept": {"coding": [{"system": UCD, "code": code, "display": medicine}]},
            "subject": {"identifier": {"system": INS_NIR_SYSTEM, "value": ADRUN_INS}},
            "dosageInstruction": [{"text": "1 comprimé 3 fois par jour pendant 5 jours",
                                   "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
                                   "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "comprimé"}}]}],
            "dispenseRequest": {"quantity": quantity(2)}, **extra}


def two_lines() -> list[dict]:
    first = line(1, "EFFERALGAN 1000 mg, comprimé", "3400893766521",
                 substitution={"allowedBoolean": False, "reason": {"coding": [{"code": "MTE"}]}})
    first["dispenseRequest"]["numberOfRepeatsAllowed"] = 2
    second = line(2, "<script>alert('x')</script> SIROP", "3400893936047", status="cancelled",
                  note=[{"text": "<b>à jeun</b> & le matin"}])
    return [lines.with_dispensed(first, 2), second]


def prescription(rows: list[dict] | None = None, *, visible: bool = True, role: str = "patient") -> Prescription:
    return Prescription(NUMBER, rows if rows is not None else two_lines(),
                        {"identifier": {"system": INS_NIR_SYSTEM, "value": ADRUN_INS}, "display": "ADRUN Zoé"},
                        {"identifier": {"system": ID_NAT_PS, "value": LEROY},
                         "display": "Dr Claire LEROY — Cabinet médical du Parc"},
                        "2026-12-01T10:15:00+01:00", visible, role)


def text_of(page: str) -> str:
    """The page's text as read: tags out, entities decoded, spaces collapsed."""
    body = re.sub(r"<style>.*?</style>|<title>.*?</title>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_page_names_the_prescriber_the_date_and_the_patient_with_the_ins():
    text = text_of(printed.html(prescription()))
    assert "Dr Claire LEROY" in text and "Cabinet médical du Parc" in text
    assert "N° RPPS : 99799000015" in text  # idNat_PS 8 + RPPS
    assert "Le 1er décembre 2026" in text
    assert "Patient : ADRUN Zoé" in text and "Matricule INS (NIR) : 2 75 12 63 220 749 74" in text


def test_each_line_shows_medicine_posology_quantity_renewals_and_substitution():
    text = text_of(printed.html(prescription()))
    assert "EFFERALGAN 1000 mg, comprimé UCD 3400893766521" in text
    assert text.count("1 comprimé 3 fois par jour pendant 5 jours") == 2
    assert "Quantité : 2 boîte — à renouveler 2 fois" in text
    assert "Non substituable (MTE)" in text
    assert "SIROP" in text and text.count("Non substituable") == 1 and text.count("à renouveler") == 1


def test_states_and_what_was_delivered_are_shown_when_visible():
    text = text_of(printed.html(prescription()))
    assert "Délivré : 2 boîte · Reste à délivrer : 4 boîte" in text  # 2 x (1 + 2 renewals) - 2
    assert "Annulée par le prescripteur" in text
    assert "opposé" not in text


def test_the_prescriber_sees_no_dispensing_once_the_patient_objected():
    masked = [views.masked(row) for row in two_lines()]
    text = text_of(printed.html(prescription(masked, visible=False, role="prescriber")))
    assert "Délivré" not in text and "Reste à délivrer" not in text
    assert "Le patient s'est opposé à ce que son prescripteur voie les délivrances" in text
    assert "Annulée par le prescripteur" in text


def test_a_completed_line_reads_delivered_and_a_fresh_one_no_dispensing():
    done = lines.with_dispensed(line(1, "DOLIPRANE 500 mg", "3400893936047", status="completed"), 2)
    text = text_of(printed.html(prescription([done, line(2, "SPASFON", "3400890837149")])))
    assert "Délivrée en totalité · Délivré : 2 boîte · Reste à délivrer : 0 boîte" in text
    assert text.count("Délivré :") == 1


def test_everything_a_record_holds_is_escaped():
    page = printed.html(prescription())
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; SIROP" in page
    assert "&lt;b&gt;à jeun&lt;/b&gt; &amp; le matin" in page


def test_the_qr_code_is_inline_and_the_number_printed_dashed_beneath():
    page = printed.html(prescription())
    svg = re.search(r"<svg.*?</svg>", page, flags=re.S)
    assert svg and [b.text for b in decode_svg(svg.group())] == [NUMBER]
    assert f"Numéro de l'ordonnance : {DASHED}" in text_of(page)
    assert page.find(DASHED, page.index("</svg>")) > 0  # beneath the code


def test_the_page_is_print_ready_and_self_contained():
    response = printed.render(prescription())
    page = bytes(response.body).decode()
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert all(response.headers[k] == v for k, v in HEADERS.items())
    assert "@page { size: A4" in page and "@media print" in page and '<html lang="fr">' in page
    assert not re.search(r"<script|<link|<img|\bsrc=|url\(|https?://(?!www\.w3\.org/2000/svg)", page)
    assert f"<title>Ordonnance {DASHED} — ADRUN Zoé</title>" in page


def test_prescriber_identifiers_and_displays_of_other_shapes():
    adeli = printed.prescriber({"identifier": {"value": "0123456789"}, "display": "Mme Anne DURAND, Sage-femme"})
    assert (adeli.name, adeli.structure, adeli.identifier_label, adeli.identifier) == (
        "Mme Anne DURAND", "Sage-femme", "N° ADELI", "123456789")
    plain = printed.prescriber({"display": "Dr Jean-Pierre MARTIN"})
    assert (plain.name, plain.structure, plain.identifier) == ("Dr Jean-Pierre MARTIN", "", "")
    assert printed.prescriber({}).name == "Prescripteur non nommé"
    assert printed.date_fr("not a date") == "not a date" and printed.date_fr("2026-03-15") == "15 mars 2026"


# --- the routes, on a whole sandbox (tests/services/eprescription/support.py) ---------------------------------

async def printout(actor: support.Actor | None, http, tenant: str, number: str, tail: str = "", **params):  # noqa: ANN001, ANN201
    headers = {"authorization": f"Bearer {actor.token}"} if actor else {}
    return await http.get(f"/t/{tenant}/eprescription/prescriptions/{number}{tail}", params=params, headers=headers)


async def test_the_prescriber_prints_the_prescription_with_its_qr_code(http, tenant, gp):
    number, _ = await gp.prescribe(support.prescription(support.line(repeats=1), support.line(quantity=1)))
    page = await printout(gp, http, tenant, numbers.display(number).lower())
    assert page.status_code == 200, page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == HEADERS["Content-Security-Policy"]
    text = text_of(page.text)
    assert f"Numéro de l'ordonnance : {numbers.display(number)}" in text and "à renouveler 1 fois" in text
    assert "N° RPPS : 99799000015" in text and "2 75 12 63 220 749 74" in text
    assert [b.text for b in decode_svg(re.search(r"<svg.*?</svg>", page.text, flags=re.S).group())] == [number]


async def test_the_qr_images_hold_the_number(http, tenant, gp, pharmacist):
    number, _ = await gp.prescribe()
    svg = await printout(pharmacist, http, tenant, number, "/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert [b.text for b in decode_svg(svg.text)] == [number]
    png = await printout(gp, http, tenant, number, "/qr.png", scale=3)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png_header(png.content)[:2] == (87, 87) and [b.text for b in decode_png(png.content)] == [number]


async def test_the_patient_prints_their_own_prescription(http, tenant, gp):
    number, _ = await gp.prescribe()
    page = await printout(await support.patient(http, tenant), http, tenant, number)
    assert page.status_code == 200, page.text
    assert "Patient : ADRUN Zoe" in text_of(page.text)


async def test_bad_numbers_scales_and_callers_are_refused(http, tenant, gp):
    number, _ = await gp.prescribe()
    wrong = number[:-1] + ("A" if number[-1] != "A" else "B")
    for tail in ("", "/qr.svg", "/qr.png"):
        mistyped = await printout(gp, http, tenant, wrong, tail)
        assert (mistyped.status_code, support.outcome_code(mistyped)) == (400, "EPR-0011")
    short = await printout(gp, http, tenant, "7KQ2-M9XW")
    assert (short.status_code, support.outcome_code(short)) == (400, "EPR-0010")
    unknown = await printout(gp, http, tenant, numbers.new_number(), "/qr.svg")
    assert (unknown.status_code, support.outcome_code(unknown)) == (404, "EPR-0012")
    for scale in (0, 21, "big"):
        bad = await printout(gp, http, tenant, number, "/qr.png", scale=scale)
        assert (bad.status_code, support.outcome_code(bad)) == (400, "HTTP-0400")
        assert bad.json()["issue"][0]["expression"] == ["query.scale"]
    anonymous = await printout(None, http, tenant, number)
    assert anonymous.status_code == 401
    other = await printout(await support.professional(http, tenant, support.ROBERT), http, tenant, number)
    assert (other.status_code, support.outcome_code(other)) == (403, "EPR-0023")
