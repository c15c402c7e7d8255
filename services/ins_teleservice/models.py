"""Tables of the INS teleservice: the identities INSi knows, per tenant, their former INS (INSHISTO), and the
software approval numbers (IDAM) a tenant registered.

Traits are stored normalised (uppercase ASCII, spec digest §1.3), so a traits search is one lookup on
``(tenant, birth_name, birth_date, sex)``; first names and birth place are then compared on those rows.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

identity = Table(
    "ins_teleservice_identity", metadata,
    Column("tenant", String(40), primary_key=True),
    Column("pid", String(64), primary_key=True),  # persona slug, generated id or admin-chosen id
    Column("matricule", String(13), nullable=False),  # active INS (INSACTIF)
    Column("cle", String(2), nullable=False),
    Column("oid", String(32), nullable=False),  # bare OID, as INSi sends it
    Column("birth_name", String(100), nullable=False),
    Column("first_name", String(100), nullable=False),  # first birth first name
    Column("first_names", String(255), nullable=False),  # the whole list, space-separated (ListePrenom)
    Column("sex", String(1), nullable=False),
    Column("birth_date", String(10), nullable=False),
    Column("birth_place", String(5), nullable=False),
    Column("tiq_prenom", Boolean, nullable=False),  # False: the TIQ carries no <Prenom> (CNDA ECETINSI)
    Column("od_matricule", String(13), nullable=True),  # ouvrant droit of a Vitale card, when not the person
    Column("rang", Integer, nullable=False),  # birth rank on the card (twins)
    Column("origin", String(10), nullable=False),  # persona | generated | admin
    Index("ins_teleservice_identity_traits", "tenant", "birth_name", "birth_date", "sex"),
    Index("ins_teleservice_identity_ins", "tenant", "matricule", unique=True),
    Index("ins_teleservice_identity_od", "tenant", "od_matricule"),
)

history = Table(
    "ins_teleservice_history", metadata,
    Column("tenant", String(40), primary_key=True),
    Column("pid", String(64), primary_key=True),
    Column("pos", Integer, primary_key=True),  # order in which INSi lists the INSHISTO
    Column("matricule", String(13), nullable=False),
    Column("cle", String(2), nullable=False),
    Column("oid", String(32), nullable=False),
    Column("date_deb", String(10), nullable=True),
    Column("date_fin", String(10), nullable=True),
    ForeignKeyConstraint(["tenant", "pid"], [identity.c.tenant, identity.c.pid], ondelete="CASCADE"),
    Index("ins_teleservice_history_ins", "tenant", "matricule"),
)

software = Table(
    "ins_teleservice_software", metadata,  # IDAMs a tenant registered (the setting's are accepted everywhere)
    Column("tenant", String(40), primary_key=True),
    Column("idam", String(64), primary_key=True),  # as sent in ContexteLPS/LPS/IDAM, case kept
    Column("name", String(200), nullable=True),  # the software's name, for the team's own reference
    Column("registered_at", String(32), nullable=False),  # UTC, ISO 8601
)

IDENTITY_COLUMNS = tuple(c.name for c in identity.columns)
HISTORY_COLUMNS = tuple(c.name for c in history.columns)
