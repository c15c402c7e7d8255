"""Tables of the generic FHIR store, created per service with its table prefix.

``res`` holds the current version of each resource (and a tombstone once deleted), ``hist`` every
version, and one index table per search-parameter type. Every row carries ``tenant``.

Each index table has two covering indexes: by value (``(tenant, rtype, param, <value>, rid)``: the criterion
that drives a search reads its ids there) and by owner (``(tenant, rtype, rid, param, <value>)``: the other
criteria are checked per candidate there, core/fhir/search_plan.py; deletion and reindexing find a resource's
rows there). Both cover every column they need: with a covering owner index beside a non-covering value index,
SQLite walked the owner index whole rather than seek the value. ``OBSOLETE_INDEXES`` are the names earlier
versions created; :meth:`core.db.Database.create_all` drops them from an existing data directory.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

# PostgreSQL compares index strings bytewise ("C") so prefix ranges use the index as on SQLite.
Key = String(64).with_variant(String(64, collation="C"), "postgresql")
Val = String(512).with_variant(String(512, collation="C"), "postgresql")


OBSOLETE_INDEXES = ("ix_token_code", "ix_token_rid", "ix_string_norm", "ix_string_rid", "ix_date_low", "ix_date_rid",
                    "ix_ref_target", "ix_ref_rid")


@dataclass
class FhirTables:
    res: Table
    hist: Table
    token: Table
    string: Table
    date: Table
    ref: Table

    def index_tables(self) -> list[Table]:
        return [self.token, self.string, self.date, self.ref]


def _owner_columns() -> list[Column]:
    return [
        Column("tenant", String(40), nullable=False),
        Column("rtype", String(64), nullable=False),
        Column("rid", Key, nullable=False),
        Column("param", String(64), nullable=False),
    ]


def fhir_tables(metadata: MetaData, prefix: str) -> FhirTables:
    p = prefix.rstrip("_") + "_fhir_"
    metadata.info.setdefault("obsolete_indexes", []).extend(p + name for name in OBSOLETE_INDEXES)
    res = Table(
        f"{p}res", metadata,
        Column("tenant", String(40), primary_key=True),
        Column("rtype", String(64), primary_key=True),
        Column("rid", Key, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("last_updated", String(40), nullable=False),
        Column("updated_at", Float, nullable=False),
        Column("deleted", Boolean, nullable=False, default=False),
        Column("body", Text, nullable=True),
        # covers a search without criteria (an "appel full"): its count and its pages in lastUpdated order
        # come from this index alone, not from the table's rows and their JSON
        Index(f"{p}res_updated", "tenant", "rtype", "updated_at", "rid", "deleted"),
    )
    hist = Table(
        f"{p}hist", metadata,
        Column("tenant", String(40), primary_key=True),
        Column("rtype", String(64), primary_key=True),
        Column("rid", Key, primary_key=True),
        Column("version", Integer, primary_key=True),
        Column("last_updated", String(40), nullable=False),
        Column("method", String(8), nullable=False),
        Column("body", Text, nullable=True),
    )
    token = Table(
        f"{p}ix_token", metadata, *_owner_columns(),
        Column("system", Val, nullable=True),
        Column("code", Val, nullable=False),
        Index(f"{p}ix_token_value", "tenant", "rtype", "param", "code", "system", "rid"),
        Index(f"{p}ix_token_owner", "tenant", "rtype", "rid", "param", "code", "system"),
    )
    string = Table(
        f"{p}ix_string", metadata, *_owner_columns(),
        Column("norm", Val, nullable=False),
        Column("exact", Val, nullable=False),
        # one index serves both: prefix/contains on norm, and :exact as norm = normalize(v) AND exact = v
        Index(f"{p}ix_string_value", "tenant", "rtype", "param", "norm", "exact", "rid"),
        Index(f"{p}ix_string_owner", "tenant", "rtype", "rid", "param", "norm", "exact"),
    )
    date = Table(
        f"{p}ix_date", metadata, *_owner_columns(),
        Column("low", Float, nullable=False),
        Column("high", Float, nullable=False),
        Index(f"{p}ix_date_value", "tenant", "rtype", "param", "low", "high", "rid"),
        Index(f"{p}ix_date_owner", "tenant", "rtype", "rid", "param", "low", "high"),
    )
    ref = Table(
        f"{p}ix_ref", metadata, *_owner_columns(),
        Column("target_type", String(64), nullable=True),
        Column("target_id", Key, nullable=True),
        Column("url", Val, nullable=True),
        Index(f"{p}ix_ref_value", "tenant", "rtype", "param", "target_type", "target_id", "rid"),
        Index(f"{p}ix_ref_rev", "tenant", "target_type", "target_id"),
        Index(f"{p}ix_ref_owner", "tenant", "rtype", "rid", "param", "target_type", "target_id"),
    )
    return FhirTables(res=res, hist=hist, token=token, string=string, date=date, ref=ref)
