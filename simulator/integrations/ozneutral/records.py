"""The marketplace's records: companies and their users, parties (operators, partners), an
operator's OZmap integration, partnerships, tokens, and who a request acts for (``Caller``)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from ...core.clock import Clock
from ...core.errors import Forbidden

HASH_ROUNDS = 2000                 # a simulator's users: enough to never store a password


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, HASH_ROUNDS)


@dataclass
class Secret:
    """A salted hash of a password or client secret."""
    salt: bytes
    digest: bytes

    @classmethod
    def of(cls, secret: str) -> "Secret":
        salt = secrets.token_bytes(16)
        return cls(salt, _hash(secret, salt))

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.digest, _hash(secret, self.salt))


@dataclass
class Company:
    id: str
    name: str
    address: str
    country: str
    phone: str
    logo_path: str
    created: str


@dataclass
class User:
    id: str
    email: str
    company: Company
    party: "Party"
    password: Secret


@dataclass
class Integration:
    url: str | None                 # None: this simulator
    login: str
    api_key: str
    user: dict                      # the integration user: {id, name, username}
    clock: Clock | None             # its OZmap tenant's clock when the tenant is local
    configured: str                 # when (on that clock); the poll reads changes since
    synced: str                     # the start of the last successful poll cycle


@dataclass
class Party:
    id: str
    kind: str                       # "operator" | "partner"
    company: Company
    site: str
    client_id: str
    client_secret: Secret
    created: str
    status: str = "active"
    port_default_price: float | None = None
    integration: Integration | None = None
    sale_projects: list | None = None      # None: every project of the integration user
    viability_tags: list = field(default_factory=list)
    home: "Party | None" = None            # a partner's clock: its first partnership's operator
    updated: str = ""


@dataclass
class Partnership:
    id: str
    partner: Party
    operator: Party
    status: str                     # pending | active | rejected
    created: str
    updated: str
    projects: list = field(default_factory=list)
    ozmap_user: dict | None = None  # {id, username, password} of the partner's OZmap user
    deciding: bool = False          # an acceptance is creating the partner's OZmap user


@dataclass
class Token:
    party: Party
    user: User | None
    clock: Clock
    expires: dt.datetime
    refresh: bool


@dataclass(frozen=True)
class Caller:
    """Who a request acts for: a party, through one of its users or its OAuth client."""
    party: Party
    user: User | None

    def must_be(self, kind: str) -> None:
        if self.party.kind != kind:
            raise Forbidden(f"only {kind}s may do this; this token is a {self.party.kind}'s",
                            f"{kind.upper()}_ONLY")
