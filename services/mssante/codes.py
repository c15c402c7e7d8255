"""Stable codes of the MSSanté stand-in (spec digest §3). Codes never change meaning.

Ranges:

- ``MSS-00xx`` service and authentication (SMTP/IMAP AUTH, tokens, mailbox ownership);
- ``MSS-01xx`` transport and addresses (trust-space domains, patient addresses, MIME, sizes);
- ``MSS-02xx`` IHE XDM (``IHE_XDM.ZIP``: the zip, ``METADATA.XML``, sizes and hashes) and the CDA inside;
- ``MSS-03xx`` the X-MSS header rules and the masking rule of digest §3.4.

The MSS-01xx, XDM and X-MSS codes exist so far (MSS-00xx come with the service). The real space accepts a
mail whatever its XDM or headers hold, so these are :class:`Finding`\\ s recorded with the message
(warnings), not errors: tests assert the codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MssCode(StrEnum):
    # IHE XDM: the zip itself
    XDM_NOT_ZIP = "MSS-0201"  # not a zip, or a corrupt one (bad central directory, CRC, unsupported method)
    XDM_TOO_LARGE = "MSS-0202"  # the uncompressed members exceed max_bytes (zip bomb guard)
    XDM_TOO_MANY_FILES = "MSS-0203"  # more members than max_files
    XDM_UNSAFE_NAME = "MSS-0204"  # absolute name, ``..`` segment, backslash, drive letter or control character
    XDM_ENCRYPTED = "MSS-0205"  # an encrypted member (never read)
    XDM_DUPLICATE_NAME = "MSS-0206"  # two members with the same name (compared case-insensitively)
    XDM_NO_INDEX = "MSS-0207"  # INDEX.HTM or README.TXT missing at the root
    # IHE XDM: METADATA.XML
    XDM_NO_METADATA = "MSS-0210"  # no IHE_XDM/<subset>/METADATA.XML
    XDM_BAD_METADATA_XML = "MSS-0211"  # not well-formed, carries a DTD/entities, or over the size cap
    XDM_NOT_SUBMIT_OBJECTS = "MSS-0212"  # not an ebRIM 3.0 lcm:SubmitObjectsRequest with a submission set
    XDM_METADATA_INCOMPLETE = "MSS-0213"  # a DocumentEntry lacks a required attribute (URI, size, hash, codes…)
    # IHE XDM: documents against their metadata
    XDM_DOCUMENT_MISSING = "MSS-0220"  # listed in METADATA.XML, absent from the zip
    XDM_DOCUMENT_UNLISTED = "MSS-0221"  # present in the subset folder, not listed in METADATA.XML
    XDM_SIZE_MISMATCH = "MSS-0222"  # the ``size`` slot differs from the document's byte count
    XDM_HASH_MISMATCH = "MSS-0223"  # the ``hash`` slot differs from the document's SHA-1
    XDM_BAD_CDA = "MSS-0230"  # a text/xml document that should be a CDA R2 cannot be read as one
    # X-MSS rules (digest §3.4)
    NIL_MISSING = "MSS-0301"  # no (or an empty) X-MSS-NIL
    CODECDA_MISSING = "MSS-0302"  # CDA attached, no X-MSS-CODECDA
    CODECDA_MISMATCH = "MSS-0303"  # X-MSS-CODECDA does not list the codes of the attached CDAs
    CODECDA_WITHOUT_CDA = "MSS-0304"  # X-MSS-CODECDA on a message without CDA
    INS_MISSING = "MSS-0305"  # CDA attached, no X-MSS-INS
    INS_BAD_VALUE = "MSS-0306"  # X-MSS-INS is neither O nor N
    INS_MISMATCH = "MSS-0307"  # X-MSS-INS says O without a qualified INS in the XDM, or N with one
    INS_WITHOUT_CDA = "MSS-0308"  # X-MSS-INS on a message without CDA
    MES_BAD_VALUE = "MSS-0309"  # X-MSS-MES other than FIN
    MES_NOT_TO_PATIENT = "MSS-0310"  # X-MSS-MES on a message to no patient address
    SUBJECT_PREFIX_MISSING = "MSS-0311"  # an XDM message whose subject does not start with XDM/1.0/DDM+
    MASKED_TO_PROFESSIONAL = "MSS-0312"  # a MASQUE_PS document mailed to a professional
    # Addresses (digest §3.3; RFC 5321 §4.1.2 mailbox syntax, §4.5.3.1 size limits)
    ADDRESS_MALFORMED = "MSS-0101"  # not one bare RFC 5321 mailbox (display name, several @, quoted or bad characters)
    ADDRESS_CONTROL_CHARACTER = "MSS-0102"  # a control character (CR, LF, NUL…) in the address
    ADDRESS_TOO_LONG = "MSS-0103"  # local part over 64, domain over 255 or address over 254 characters
    ADDRESS_OUTSIDE_TRUST_SPACE = "MSS-0104"  # a domain not under the trust-space suffix (mssante.fr)
    PATIENT_ADDRESS_INVALID = "MSS-0105"  # @patient.mssante.fr whose local part is not a 15-character INS with its key
    # Messages (RFC 5322 / MIME, read defensively: digest §3.2, §3.4)
    MESSAGE_TOO_LARGE = "MSS-0110"  # the raw message is over the size limit (not parsed)
    MIME_BROKEN = "MSS-0111"  # a MIME structure defect (missing or unterminated boundary, bad header block…)
    MIME_TOO_DEEP = "MSS-0112"  # multiparts nested deeper than the limit (the deeper parts were not read)
    MIME_TOO_MANY_PARTS = "MSS-0113"  # more MIME parts than the limit (the rest were not read)
    HEADERS_TOO_MANY = "MSS-0114"  # more header fields in one header block than the limit
    HEADER_TOO_LONG = "MSS-0115"  # a header field over the length or complexity limit (its value was ignored)
    BAD_TRANSFER_ENCODING = "MSS-0116"  # base64 or quoted-printable that does not decode cleanly
    BAD_CHARSET = "MSS-0117"  # an unknown charset, or bytes invalid in the declared one (replaced)
    HEADER_INVALID = "MSS-0118"  # an unreadable From/To/Cc/Date, or a control character (header injection)
    HEADER_MISSING = "MSS-0119"  # From or Date absent (RFC 5322 §3.6)
    ATTACHMENT_NAME_UNSAFE = "MSS-0120"  # an attachment file name that had to be sanitised (path, control characters)
    XDM_SEVERAL = "MSS-0121"  # more than one IHE_XDM.ZIP attachment (only the first was read)


@dataclass(frozen=True)
class Finding:
    """One rule a mail breaks: ``where`` names the header, zip member or document; ``message`` says the fix."""

    code: MssCode
    where: str
    message: str
    severity: str = "warning"

    def as_json(self) -> dict[str, str]:
        return {"code": str(self.code), "where": self.where, "message": self.message, "severity": self.severity}
