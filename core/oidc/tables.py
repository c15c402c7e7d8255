"""The provider's tables, created under the owning service's prefix (one database per service).

Every row carries ``tenant``: each tenant is its own realm with its own issuer, keys and clients.
Codes and refresh tokens are stored as SHA-256 digests, never in clear: a leaked database does not
give usable credentials. Access and ID tokens are signed JWTs and are not stored; revoking one adds its
``jti`` to ``revoked_jti``, ending a session revokes everything issued under its ``sid``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Float, MetaData, String, Table, Text


@dataclass(frozen=True)
class OidcTables:
    client: Table
    signing_key: Table
    pending: Table  # authorization requests waiting for the user to log in
    code: Table
    session: Table  # one login (or CIBA approval) and everything issued from it: the token family
    refresh: Table
    revoked_jti: Table
    assertion_jti: Table  # private_key_jwt assertions already used (replay protection)


def oidc_tables(metadata: MetaData, prefix: str) -> OidcTables:
    p = prefix.rstrip("_") + "_oidc_"

    def table(name: str, *columns: Column) -> Table:
        return Table(p + name, metadata, Column("tenant", String(40), primary_key=True), *columns)

    return OidcTables(
        client=table("client", Column("client_id", String(128), primary_key=True),
                     Column("meta", Text, nullable=False), Column("created_at", Float, nullable=False)),
        signing_key=table("signing_key", Column("kid", String(64), primary_key=True),
                          Column("private_jwk", Text, nullable=False), Column("created_at", Float, nullable=False),
                          Column("retired_at", Float, nullable=True)),
        pending=table("pending", Column("request_id", String(64), primary_key=True),
                      Column("client_id", String(128), nullable=False), Column("params", Text, nullable=False),
                      Column("expires_at", Float, nullable=False)),
        code=table("code", Column("code_hash", String(64), primary_key=True),
                   Column("client_id", String(128), nullable=False), Column("sid", String(64), nullable=False),
                   Column("redirect_uri", Text, nullable=False), Column("code_challenge", String(128), nullable=True),
                   Column("nonce", Text, nullable=True), Column("scope", Text, nullable=False),
                   Column("expires_at", Float, nullable=False), Column("used_at", Float, nullable=True)),
        session=table("session", Column("sid", String(64), primary_key=True),
                      Column("client_id", String(128), nullable=False), Column("subject", String(256), nullable=False),
                      Column("grant", Text, nullable=False), Column("created_at", Float, nullable=False),
                      Column("revoked_at", Float, nullable=True)),
        refresh=table("refresh", Column("token_hash", String(64), primary_key=True),
                      Column("sid", String(64), nullable=False, index=True),
                      Column("client_id", String(128), nullable=False), Column("scope", Text, nullable=False),
                      Column("expires_at", Float, nullable=False), Column("rotated_at", Float, nullable=True)),
        revoked_jti=table("revoked_jti", Column("jti", String(64), primary_key=True),
                          Column("expires_at", Float, nullable=False)),
        assertion_jti=table("assertion_jti", Column("client_id", String(128), primary_key=True),
                            Column("jti", String(256), primary_key=True), Column("expires_at", Float, nullable=False)),
    )
