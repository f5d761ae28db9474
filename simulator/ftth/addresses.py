"""Addresses of a tenant's world, resolved offline: free text, fields, or a point.

Everything that carries an ``address`` and a location — buildings, gated communities,
properties, boxes, POPs, poles, prospects — is an address the resolver knows. Stored texts
are Brazilian addresses such as ``"Rua Tiradentes, 120 - Centro, Florianópolis - SC"``
(street, number, neighbourhood, city, state), optionally followed by a complement
(``", Apto 101"``) or carrying a CEP (``88010-000``); a text without a street (a prospect's
bare ``"Florianópolis - SC"``) or an element without a location is not an address.

One **item** per distinct address (street, number, neighbourhood, city): a building and its
32 apartments are one item. Its ``source`` is the element the address is read from — a
building before a gated community before a property before a box, a POP, a pole, a
prospect; the oldest first among equals — and ``coords`` are that element's (a gated
community's: the mean of its outline's vertices).

Postcodes (simulator decision): an address that carries a CEP keeps it; any other gets a
deterministic CEP derived from its (city, state, street): five digits in the state's real
CEP range — a block of 100 per city, one of them per street — and a three-digit suffix, all
from CRC-32 of the names. The same street of the same city has the same CEP in every world
and every run; two streets of one city may (rarely) share one, as small places do.

Matching ignores case, accents and punctuation, expands the usual abbreviations (``R.``,
``Av.``, ``Sen.``…) and tolerates typos (a word within 80 % similarity of a known one).
The street name must match for an address to be proposed; city, state, neighbourhood,
street kind, number (the nearest number on the street: exact first) and CEP rank the
matches.

The book (``AddressBook``, ``world.addresses``) is a write observer of the world: built from
the whole world on the first question, then kept in step with every write.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
import zlib
from dataclasses import dataclass

from ..core.errors import Invalid
from ..core.geo import GridIndex
from ..core.world import Derived, locked

# where addresses are read from, in order of preference as an item's source
ROUTES = ("buildings", "horizontal-condominiums", "properties", "boxes", "pops", "poles",
          "prospects")
RANK = {route: i for i, route in enumerate(ROUTES)}

# each state's first CEP range (five-digit prefixes)
CEP_RANGES = {
    "SP": (1000, 19999), "RJ": (20000, 28999), "ES": (29000, 29999), "MG": (30000, 39999),
    "BA": (40000, 48999), "SE": (49000, 49999), "PE": (50000, 56999), "AL": (57000, 57999),
    "PB": (58000, 58999), "RN": (59000, 59999), "CE": (60000, 63999), "PI": (64000, 64999),
    "MA": (65000, 65999), "PA": (66000, 68899), "AP": (68900, 68999), "AM": (69000, 69299),
    "RR": (69300, 69399), "AC": (69900, 69999), "DF": (70000, 72799), "GO": (72800, 72999),
    "RO": (76800, 76999), "TO": (77000, 77999), "MT": (78000, 78899), "MS": (79000, 79999),
    "PR": (80000, 87999), "SC": (88000, 89999), "RS": (90000, 99999),
}
ANY_STATE = (1000, 99999)

ABBREVIATIONS = {
    "r": "rua", "av": "avenida", "avda": "avenida", "al": "alameda", "tv": "travessa",
    "trav": "travessa", "rod": "rodovia", "est": "estrada", "estr": "estrada", "pc": "praca",
    "pca": "praca", "srv": "servidao", "serv": "servidao", "lgo": "largo", "lg": "largo",
    "sen": "senador", "dr": "doutor", "pres": "presidente", "mal": "marechal",
    "cel": "coronel", "gov": "governador", "dep": "deputado", "prof": "professor",
    "sto": "santo", "sta": "santa", "pe": "padre", "alm": "almirante", "gal": "general",
    "gen": "general", "eng": "engenheiro", "vl": "vila", "jd": "jardim", "jrd": "jardim",
    "pq": "parque", "cons": "conselheiro", "visc": "visconde", "fr": "frei",
}
KINDS = {"rua", "avenida", "alameda", "travessa", "rodovia", "estrada", "praca", "servidao",
         "largo", "via", "viela", "beco", "ladeira", "passagem"}
STOP = {"de", "da", "do", "das", "dos", "e", "n", "no", "nr", "num", "numero", "o", "a",
        "cep", "brasil"}
COMPLEMENT = {"apto", "apt", "ap", "apartamento", "bloco", "bl", "sala", "sl", "casa", "lote",
              "lt", "quadra", "qd", "fundos", "loja", "andar"}

_CEP = re.compile(r"\b(\d{5})-?(\d{3})\b")
_SPLIT = re.compile(r"\s+[-–—]\s+|[,;\n]")
_UF_AFTER_SLASH = re.compile(r"\s*/\s*([A-Za-z]{2})\b")
_NUMBER = re.compile(r"^(?:n[º°o.]?\s*)?(\d{1,6}[a-z]?|s/?n)$", re.IGNORECASE)
_TRAILING_NUMBER = re.compile(r"^(.*\D)\s+(?:n[º°o.]?\s*)?(\d{1,6})$", re.IGNORECASE)


# ---- text ------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, abbreviations expanded."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.sub(r"[^0-9a-z]+", " ", text.replace("º", " ")).split()
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


def words(text: str | None) -> list[str]:
    """The words of a text that can identify a place (no stop words)."""
    return [w for w in normalise(text or "").split() if w not in STOP]


@dataclass(frozen=True, slots=True)
class Parsed:
    street: str
    number: str | None
    neighbourhood: str | None
    city: str | None
    uf: str | None
    postcode: str | None       # a CEP written in the text, else None


def parse(text) -> Parsed | None:
    """The parts of a stored address; None when it names no street."""
    if not isinstance(text, str):
        return None
    cep = _CEP.search(text)
    if cep:
        text = text[:cep.start()] + text[cep.end():]
    text = _UF_AFTER_SLASH.sub(r" - \1", text)
    parts = [p.strip() for p in _SPLIT.split(text)]
    parts = [p for p in parts if p]
    if not parts:
        return None
    uf_at = max((i for i, p in enumerate(parts) if p.upper() in CEP_RANGES), default=None)
    street, rest = parts[0], parts[1:]
    city = uf = None
    if uf_at is not None:
        if uf_at < 2:                      # "Cidade - UF" alone, or a street named like a state
            return None
        uf, city = parts[uf_at].upper(), parts[uf_at - 1]
        rest = parts[1:uf_at - 1]
    number = None
    trailing = _TRAILING_NUMBER.match(street)
    if trailing:
        street, number = trailing.group(1).strip(), trailing.group(2)
    elif rest and _NUMBER.match(rest[0]):
        number = _NUMBER.match(rest[0]).group(1).upper().replace("/", "")
        rest = rest[1:]
    if number == "SN":
        number = None
    hood = next((p for p in rest if words(p) and words(p)[0] not in COMPLEMENT), None)
    if all(w in KINDS for w in words(street)):        # no words, or a kind alone
        return None
    return Parsed(street, number, hood, city, uf,
                  f"{cep.group(1)}-{cep.group(2)}" if cep else None)


def postcode(city: str | None, uf: str | None, street: str) -> str:
    """The simulator's CEP of a street (see the module's docstring)."""
    uf = (uf or "").upper()
    lo, hi = CEP_RANGES.get(uf, ANY_STATE)
    city_key, street_key = normalise(city or ""), normalise(street)
    blocks = max(1, (hi - lo + 1) // 100)
    base = lo + zlib.crc32(f"{city_key}|{uf}".encode()) % blocks * 100
    h = zlib.crc32(f"{city_key}|{uf}|{street_key}".encode())
    return f"{min(hi, base + h % 100):05d}-{(h >> 8) % 1000:03d}"


def display(p: Parsed) -> str:
    """``Street, number - neighbourhood, city - UF`` (the parts that are known)."""
    head = f"{p.street}, {p.number}" if p.number else p.street
    place = " - ".join(x for x in (p.city, p.uf) if x)
    return ", ".join(x for x in (f"{head} - {p.neighbourhood}" if p.neighbourhood else head,
                                 place) if x)


# ---- the book --------------------------------------------------------------------------------

class Street:
    """One street of one city: its words, CEP and the addresses on it (group key -> members)."""
    __slots__ = ("kind", "name", "city", "uf", "postcode", "groups")

    def __init__(self, p: Parsed):
        street = normalise(p.street).split()
        self.kind = street[0] if street[0] in KINDS and len(street) > 1 else None
        self.name = frozenset(w for w in street[1 if self.kind else 0:] if w not in STOP) \
            or frozenset(street)
        self.city = frozenset(words(p.city))
        self.uf = (p.uf or "").lower()
        self.postcode = postcode(p.city, p.uf, p.street)
        self.groups: dict[tuple, dict] = {}


@dataclass(frozen=True, slots=True)
class Entry:
    parsed: Parsed
    coords: tuple
    street: tuple          # street key
    group: tuple           # address key


class AddressBook(Derived):
    """Every address of a world, by street (a write observer once ``ready``)."""

    routes = ROUTES

    def __init__(self):
        super().__init__()
        self._entries: dict[tuple, Entry] = {}          # (route, id) -> entry
        self._streets: dict[tuple, Street] = {}
        self._spatial = GridIndex()
        self._vocabulary: list[str] | None = None

    def add(self, route: str, doc: dict) -> None:
        parsed = parse(doc.get("address"))
        coords = _location(doc)
        if parsed is None or coords is None:
            return
        street_key = (normalise(parsed.city or ""), (parsed.uf or "").lower(),
                      normalise(parsed.street))
        street = self._streets.get(street_key)
        if street is None:
            street = self._streets[street_key] = Street(parsed)
            self._vocabulary = None
        group = (street_key, (parsed.number or "").upper(), normalise(parsed.neighbourhood or ""))
        member = (route, doc["id"])
        entry = Entry(parsed, coords, street_key, group)
        street.groups.setdefault(group, {})[member] = entry
        self._entries[member] = entry
        self._spatial.insert(member, coords[0], coords[1])

    def drop(self, route: str, doc_id: str) -> None:
        member = (route, doc_id)
        entry = self._entries.pop(member, None)
        if entry is None:
            return
        self._spatial.remove(member)
        street = self._streets[entry.street]
        members = street.groups[entry.group]
        del members[member]
        if not members:
            del street.groups[entry.group]
            if not street.groups:
                del self._streets[entry.street]
                self._vocabulary = None

    # ---- questions -----------------------------------------------------------------------
    def item(self, street: Street, group: tuple) -> dict:
        members = street.groups[group]
        member = min(members, key=lambda m: (RANK[m[0]], m[1]))
        p = members[member].parsed
        return {"address": display(p), "street": p.street, "number": p.number,
                "neighbourhood": p.neighbourhood, "city": p.city, "uf": p.uf,
                "postcode": p.postcode or street.postcode,
                "coords": list(members[member].coords),
                "source": {"route": member[0], "id": member[1]}}

    def nearest(self, lng: float, lat: float) -> dict | None:
        found = self._spatial.nearest(lng, lat, 1)
        if not found:
            return None
        entry = self._entries[found[0][1]]
        return self.item(self._streets[entry.street], entry.group)

    def _matcher(self):
        """A function: query word -> {known word: weight} (exact 1, prefix .8, typo .7-.9)."""
        if self._vocabulary is None:
            known = set()
            for s in self._streets.values():
                known |= s.name | s.city
                known.update(w for g in s.groups for w in g[2].split())
            self._vocabulary = sorted(known)
        vocabulary, cache = self._vocabulary, {}

        def match(word: str) -> dict:
            found = cache.get(word)
            if found is None:
                found = {word: 1.0}
                if len(word) >= 3:
                    found.update((w, .8) for w in vocabulary if w.startswith(word) and w != word)
                if len(word) >= 4:
                    for w in difflib.get_close_matches(word, vocabulary, 4, .8):
                        found.setdefault(w, .9 * difflib.SequenceMatcher(None, word, w).ratio())
                cache[word] = found
            return found
        return match

    def search(self, street_words: list[str], place_words: list[str], number: str | None,
               cep: str | None, limit: int) -> list[dict]:
        """Items ranked by how well a street (its name, kind, CEP) and a place (city, state,
        neighbourhood) match, then by the number's distance."""
        if limit <= 0 or not (street_words or cep):
            return []
        match = self._matcher()
        kinds = {w for w in street_words if w in KINDS}
        name_q = [match(w) for w in street_words if w not in KINDS]
        place_q = [match(w) for w in place_words if w not in KINDS]
        wanted = _number_value(number)
        scored = []
        for street in self._streets.values():
            name = _coverage(street.name, name_q)
            cep_hit = cep is not None and cep in _postcodes(street)
            if name < .5 and not cep_hit:
                continue
            score = (4 * name + 2 * _coverage(street.city, place_q) + 4 * cep_hit
                     + (street.uf in place_words) + .5 * (street.kind in kinds))
            best = []
            for group in street.groups:
                hood = _coverage(frozenset(group[2].split()), place_q) if group[2] else 0.0
                value = _number_value(group[1])
                gap = abs(value - wanted) if value is not None and wanted is not None else None
                points = (2.0 if gap == 0 else 1.5 * max(0.0, 1 - gap / 500)) \
                    if gap is not None else 0.0
                best.append((score + hood + points, gap if gap is not None else 1e9,
                             value if value is not None else 1e9, group))
            if wanted is None:                 # no number asked: one address per street
                best = sorted(best, key=lambda b: (-b[0], b[2]))[:1]
            scored.extend((b[0], b[1], b[2], street, b[3]) for b in best)
        scored.sort(key=lambda s: (-s[0], s[1], s[2], s[4]))
        return [self.item(street, group) for _, _, _, street, group in scored[:limit]]


def _postcodes(street: Street) -> set:
    found = {street.postcode}
    for members in street.groups.values():
        found.update(e.parsed.postcode for e in members.values() if e.parsed.postcode)
    return found


def _coverage(known: frozenset, query: list[dict]) -> float:
    """Share of ``known`` words matched by the query's words (each at its best weight)."""
    if not known or not query:
        return 0.0
    return sum(max((q.get(w, 0.0) for q in query), default=0.0) for w in known) / len(known)


def _number_value(number: str | None) -> int | None:
    digits = re.match(r"\d+", number or "")
    return int(digits.group()) if digits else None


def _location(doc: dict) -> tuple | None:
    coords = doc.get("coords")
    if isinstance(coords, (list, tuple)) and len(coords) == 2:
        return (coords[0], coords[1])
    ring = ((doc.get("polygon") or {}).get("coordinates") or [None])[0]
    if ring:
        points = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
        return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
    return None


# ---- free text -------------------------------------------------------------------------------

def _query(text: str) -> tuple[list[str], str | None, str | None]:
    """(words, number, CEP) of a free-text address. The number is the one a stored address
    would hold (``Rua X, 120 - …``, ``Rua X 120``), else the first number in the text that
    is neither part of a name (``7 de Setembro``) nor of a complement (``Apto 12``)."""
    cep = _CEP.search(text)
    if cep:
        text = text[:cep.start()] + " " + text[cep.end():]
    parsed = parse(text)
    tokens = normalise(text).split()
    at = None
    for i, token in enumerate(tokens):
        if not token.isdigit():
            continue
        if parsed is not None and parsed.number is not None:
            if token == parsed.number.lower():
                at = i
                break
        elif tokens[i + 1:i + 2] not in (["de"], ["do"], ["da"]) \
                and (not i or tokens[i - 1] not in COMPLEMENT):
            at = i
            break
    kept = [w for i, w in enumerate(tokens) if i != at and w not in STOP and w not in COMPLEMENT
            and not (i and tokens[i - 1] in COMPLEMENT and w.isdigit())]
    return kept, tokens[at] if at is not None else None, \
        f"{cep.group(1)}-{cep.group(2)}" if cep else None


def _text(value, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise Invalid(f"'{name}' must be text, got {value!r}", "INVALID_PARAMETER", name)
    return str(value).strip() or None


def _limit(limit) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise Invalid(f"'limit' must be an integer, got {limit!r}", "INVALID_PARAMETER", "limit")
    return limit


@locked
def resolve(world, text: str, limit: int = 5) -> list[dict]:
    """The best matches of a free-text Brazilian address among the addresses of the world."""
    text = _text(text, "address")
    if text is None:
        return []
    tokens, number, cep = _query(text)
    return world.addresses.ready(world).search(tokens, tokens, number, cep, _limit(limit))


@locked
def structured(world, street: str | None, number: str | None, postcode: str | None,
               city: str | None = None, limit: int = 5) -> list[dict]:
    """The best matches of an address given by its fields (any may be None; a street or a
    postcode is needed for a match)."""
    street, number, city = (_text(street, "street"), _text(number, "number"),
                            _text(city, "city"))
    postcode_text = _text(postcode, "postcode")
    cep = None
    if postcode_text is not None:
        found = _CEP.fullmatch(postcode_text.replace(" ", ""))
        if not found:
            raise Invalid(f"'postcode' must be a CEP (8 digits, 00000-000), got {postcode!r}",
                          "INVALID_PARAMETER", "postcode")
        cep = f"{found.group(1)}-{found.group(2)}"
    if number is not None and not _NUMBER.match(number):
        raise Invalid(f"'number' must be a house number, got {number!r}", "INVALID_PARAMETER",
                      "number")
    return world.addresses.ready(world).search(
        words(street), words(_UF_AFTER_SLASH.sub(r" \1", city or "")), number, cep,
        _limit(limit))


@locked
def locate(world, lng: float, lat: float) -> dict | None:
    """The known address nearest to a point (None when the world has none)."""
    for name, value, bound in (("lng", lng, 180), ("lat", lat, 90)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not -bound <= value <= bound:
            raise Invalid(f"'{name}' must be a number between -{bound} and {bound}, got "
                          f"{value!r}", "INVALID_COORDINATES", name)
    return world.addresses.ready(world).nearest(float(lng), float(lat))
