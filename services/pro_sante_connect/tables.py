"""Pro Santé Connect's own tables, beside the kernel's OpenID provider tables (same prefix, same database)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

PREFIX = "pro_sante_connect_"


@dataclass(frozen=True)
class PscTables:
    ciba: Table  # backchannel authentication requests and their outcome
    setting: Table  # per-tenant settings changed through the admin API


def psc_tables(metadata: MetaData) -> PscTables:
    return PscTables(
        ciba=Table(
            PREFIX + "ciba", metadata,
            Column("tenant", String(40), primary_key=True),
            Column("auth_req_id", String(64), primary_key=True),
            Column("client_id", String(128), nullable=False),
            Column("id_nat_ps", String(32), nullable=False, index=True),
            Column("display_name", Text, nullable=False),
            Column("login", Text, nullable=False),  # the Login the approval will establish
            Column("scope", Text, nullable=False),
            Column("binding_message", Text, nullable=True),
            Column("channel", String(16), nullable=False),
            Column("status", String(16), nullable=False),  # pending, approved, denied, spent
            Column("created_at", Float, nullable=False),
            Column("expires_at", Float, nullable=False),
            Column("interval", Integer, nullable=False),
            Column("last_poll", Float, nullable=True),
        ),
        setting=Table(
            PREFIX + "setting", metadata,
            Column("tenant", String(40), primary_key=True),
            Column("name", String(64), primary_key=True),
            Column("value", Text, nullable=False),
        ),
    )
