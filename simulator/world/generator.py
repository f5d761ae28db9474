"""Deterministic network generator: from an empty catalogue to ISP-scale FTTH networks.

``build_world(size, seed)`` returns a new tenant world holding a complete access network
laid out the way a Brazilian ISP builds one (``ftth-domain.md`` §3, §5):

* one **project per city** (real city centres in SC/PR/RS), each with a square **street grid**
  of 120 m blocks; **poles** at every corner and every 40 m between, joined by adjacencies
  along the streets (≈ 3.5 poles per CTO);
* **POPs** with **OLTs** (8 slots × 16 PONs, PON launch power 3–5 dBm, ≈ 55 % of the PONs lit);
* a **feeder cable** (12F) from the POP to every **CEO**, its first fibre leaving a PON; in the
  CEO a **primary splitter** (1:8, some 1:4) or, on some routes, a trunk of unbalanced
  **FBT 70/30** splitters ("tronco e derivação") whose taps feed 1:8 service boxes;
* a **distribution cable** (2F, along the poles) from the primary splitter's output to every
  **CTO** — one CTO every ≈ 170 m of street, hanging on a pole — holding one **service
  splitter** (1:16, some 1:8, ``isDrop: true``); a few CTOs in design (draft) or not yet built;
* **properties with clients** on ≈ 55 % of the service ports (reserved, implanted OK/ERROR,
  read power around the calculated power, a few drifting > 2 dB worse, some never read), a
  few blocked ports and client-less properties; **buildings** with an internal splitter and
  apartments; **gated communities** (polygons) with boxes inside; prospects, pendencies, tags
  (a "Falha massiva" outage on a CEO's boxes and their clients).

Everything is drawn from one RNG seeded by ``seed`` and stamped by the world's frozen clock,
so the same (size, seed) gives the same world, ids included. Two emitters build the same
plan: ``ApiEmitter`` through ``world.create``/``world.update`` (every rule checked; used by the
tests and for the tiny networks) and ``FastEmitter``, which writes the very same documents
straight into the store (the bulk path for ``small`` and up; ``tests/unit/test_generator.py``
proves the two produce identical worlds).
"""
from __future__ import annotations

import copy
import gc
import math
import random
from dataclasses import dataclass

from . import network
from .geo import distance_m
from .catalogue import DEMO_API_KEY, frozen_clock, new_world
from .model import RESOURCES
from .store import EMPTY, compact

SIZES = ("empty", "demo", "small", "mid", "large", "top")

M_PER_DEG = 6378100.0 * math.pi / 180.0      # metres per degree of latitude (geo.EARTH_RADIUS_M)
BLOCK_M = 120.0                              # street grid: block edge (m)
POLE_STEP = 3                                # poles per block edge: corner + 2 (every 40 m)
CTO_SITES_PER_CELL = 1.4                     # CTOs per grid cell (240 m of street): one / 170 m
CLIENTS_PER_CTO = 8.4                        # ≈ 14.8 service ports × 57 % taken (ftth-domain §5.2)
LIT_PONS_PER_OLT = 70                        # ≈ 55 % of an OLT's 128 PONs in use
DROP_MAX_M = 200.0


# ---- where networks are built --------------------------------------------------------------

@dataclass(frozen=True)
class City:
    name: str
    uf: str
    code: str
    lng: float
    lat: float
    ddd: str


CITIES = {c.code: c for c in [
    City("Florianópolis", "SC", "FLN", -48.5480, -27.5950, "48"),
    City("São José", "SC", "SJO", -48.6277, -27.5969, "48"),
    City("Palhoça", "SC", "PHC", -48.6680, -27.6450, "48"),
    City("Biguaçu", "SC", "BGU", -48.6590, -27.4940, "48"),
    City("Joinville", "SC", "JVL", -48.8460, -26.3040, "47"),
    City("Blumenau", "SC", "BNU", -49.0660, -26.9190, "47"),
    City("Itajaí", "SC", "ITJ", -48.6620, -26.9080, "47"),
    City("Balneário Camboriú", "SC", "BCU", -48.6340, -26.9910, "47"),
    City("Jaraguá do Sul", "SC", "JGS", -49.0660, -26.4860, "47"),
    City("Brusque", "SC", "BRQ", -48.9170, -27.0980, "47"),
    City("Chapecó", "SC", "XAP", -52.6180, -27.1000, "49"),
    City("Criciúma", "SC", "CCM", -49.3700, -28.6770, "48"),
    City("Lages", "SC", "LAJ", -50.3260, -27.8160, "49"),
    City("Tubarão", "SC", "TUB", -49.0070, -28.4670, "48"),
    City("Curitiba", "PR", "CWB", -49.2730, -25.4280, "41"),
    City("Ponta Grossa", "PR", "PGZ", -50.1620, -25.0950, "42"),
    City("Londrina", "PR", "LDB", -51.1630, -23.3100, "43"),
    City("Maringá", "PR", "MGF", -51.9380, -23.4200, "44"),
    City("Cascavel", "PR", "CAC", -53.4550, -24.9560, "45"),
    City("Porto Alegre", "RS", "POA", -51.2300, -30.0330, "51"),
    City("Caxias do Sul", "RS", "CXJ", -51.1790, -29.1680, "54"),
    City("Pelotas", "RS", "PET", -52.3420, -31.7710, "53"),
    City("Santa Maria", "RS", "RIA", -53.8060, -29.6840, "55"),
    City("Passo Fundo", "RS", "PFB", -52.4070, -28.2620, "54"),
]}


@dataclass(frozen=True)
class Profile:
    """What a size builds. ``clients`` is the target number of occupied service ports."""

    clients: int
    cities: tuple                     # ((city code, share of the network), ...)
    ctos: int | None = None           # fixed CTO count (demo); else derived from clients
    ports16: float = 0.85             # share of CTOs (outside FBT trunks) with a 1:16 splitter
    take: tuple = (3.4, 2.5)          # beta(a, b): a CTO's share of occupied ports (mean ≈ .58)
    groups_per_pop: int = 300         # CEOs served by one POP
    fbt_share: float = 0.05           # CEO groups built as FBT trunks (tronco e derivação)
    quad_share: float = 0.10          # CEO groups with a 1:4 primary
    ctos_per_building: int = 300      # one building (vertical condominium) per N CTOs
    ctos_per_condo: int = 500         # one gated community per N CTOs
    outage_groups: int = 1            # CEO groups under a "Falha massiva" tag


PROFILES = {
    "demo": Profile(200, (("FLN", 1.0),), ctos=50, ports16=0.5, take=(2.0, 3.0),
                    groups_per_pop=4, fbt_share=0.12, quad_share=0.15, ctos_per_building=50,
                    ctos_per_condo=50),
    "small": Profile(5_000, (("SJO", 1.0),), groups_per_pop=60),
    "mid": Profile(50_000, (("FLN", .45), ("SJO", .25), ("PHC", .18), ("BGU", .12)),
                   groups_per_pop=220),
    "large": Profile(500_000, (("FLN", .16), ("SJO", .09), ("PHC", .05), ("JVL", .14),
                               ("BNU", .09), ("ITJ", .06), ("BCU", .05), ("JGS", .05),
                               ("BRQ", .04), ("XAP", .07), ("CCM", .07), ("LAJ", .05),
                               ("TUB", .04), ("BGU", .04)), outage_groups=3),
    "top": Profile(1_100_000, (("CWB", .22), ("POA", .16), ("FLN", .08), ("JVL", .07),
                               ("LDB", .06), ("MGF", .05), ("CXJ", .05), ("SJO", .04),
                               ("BNU", .04), ("PGZ", .035), ("CAC", .035), ("PET", .035),
                               ("RIA", .03), ("PFB", .025), ("ITJ", .02), ("XAP", .02),
                               ("CCM", .02), ("PHC", .01)), outage_groups=5),
}

# street and people names (pt-BR); streets are named "<kind> <name>"
STREET_NAMES = (
    "XV de Novembro", "Sete de Setembro", "Tiradentes", "Felipe Schmidt", "Santos Dumont",
    "Marechal Deodoro", "Duque de Caxias", "Barão do Rio Branco", "Getúlio Vargas",
    "Presidente Kennedy", "Dom Pedro II", "Princesa Isabel", "Rui Barbosa", "Castro Alves",
    "Machado de Assis", "Monteiro Lobato", "Anita Garibaldi", "Hercílio Luz", "Jerônimo Coelho",
    "Vidal Ramos", "Lauro Müller", "Nereu Ramos", "Coronel Pedro Demoro", "João Pessoa",
    "Osvaldo Cruz", "Carlos Gomes", "Almirante Barroso", "Bento Gonçalves", "Silva Jardim",
    "Padre Roma", "Frei Caneca", "Visconde de Ouro Preto", "Delminda Silveira", "Esteves Júnior",
    "Bocaiúva", "Saldanha Marinho", "Álvaro de Carvalho", "Conselheiro Mafra", "Trajano",
    "das Flores", "das Palmeiras", "dos Ipês", "das Acácias", "dos Girassóis", "das Hortênsias",
    "Beira Rio", "São João", "São Pedro", "Santa Catarina", "Paraná", "Rio Grande do Sul",
    "Brasil", "Amazonas", "Bahia", "Pernambuco", "Ceará", "Goiás", "Minas Gerais",
    "Joaquim Nabuco", "José Bonifácio", "Floriano Peixoto", "Benjamin Constant", "Quintino Bocaiúva",
    "Pedro Álvares Cabral", "Cruz e Souza", "Victor Meirelles", "Olavo Bilac", "Cecília Meireles",
    "Érico Veríssimo", "Jorge Amado", "Clarice Lispector", "Vinícius de Moraes", "Tom Jobim",
)
STREET_KINDS = ("Rua", "Rua", "Rua", "Avenida", "Servidão", "Travessa")
NEIGHBOURHOODS = (
    "Centro", "Vila Nova", "Jardim América", "Santa Terezinha", "São Cristóvão", "Bela Vista",
    "Boa Vista", "Santo Antônio", "Jardim Europa", "Industrial", "Planalto", "Progresso",
    "Nossa Senhora de Fátima", "Primavera", "Esperança", "Jardim Atlântico", "Parque São Jorge",
    "Vila Operária", "Jardim Botânico", "Alto da Glória", "São Luiz", "Cidade Nova", "Ipiranga",
    "Barreiros", "Campinas", "Kobrasol", "Estreito", "Capoeiras", "Coqueiros", "Trindade",
)
FIRST_NAMES = (
    "Maria", "José", "Ana", "João", "Francisca", "Antônio", "Antônia", "Francisco", "Adriana",
    "Carlos", "Juliana", "Paulo", "Márcia", "Pedro", "Fernanda", "Lucas", "Patrícia", "Luiz",
    "Aline", "Marcos", "Sandra", "Luís", "Camila", "Gabriel", "Amanda", "Rafael", "Bruna",
    "Daniel", "Jéssica", "Marcelo", "Letícia", "Bruno", "Júlia", "Eduardo", "Luciana", "Felipe",
    "Vanessa", "Raimundo", "Mariana", "Rodrigo", "Gabriela", "Manoel", "Vera", "Mateus",
    "Beatriz", "André", "Larissa", "Fernando", "Cláudia", "Fábio", "Simone", "Leonardo", "Renata",
    "Gustavo", "Tatiane", "Guilherme", "Cristiane", "Leandro", "Débora", "Tiago", "Helena",
)
SURNAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
    "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares",
    "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira",
    "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Ramos", "Gonçalves",
    "Santana", "Teixeira", "Schmitt", "Schneider", "Müller", "Becker", "Koch", "Wagner",
    "Zanella", "Bortolotto", "Cechinel", "Rosa", "Medeiros", "Farias", "Cunha", "Pires",
)
ONU_VENDORS = (("ZTEG", "C8:EA:F8"), ("HWTC", "E0:24:7F"), ("FHTT", "A8:5A:E0"),
               ("ALCL", "00:1E:DF"), ("TPLG", "50:91:E3"))
CONDO_NAMES = ("Jardim das Palmeiras", "Reserva do Bosque", "Villa Verde", "Recanto das Águas",
               "Parque dos Ipês", "Quinta da Serra", "Alphaville", "Porto Belo", "Vale Verde",
               "Solar das Flores")
BUILDING_NAMES = ("Edifício Solar", "Residencial Atlântico", "Edifício Ilha Bela",
                  "Residencial Primavera", "Edifício Monte Carlo", "Residencial Mirante",
                  "Edifício Porto Seguro", "Residencial das Gaivotas", "Edifício Beira-Mar",
                  "Residencial Bela Vista")


# ---- ids and stamps -----------------------------------------------------------------------

class Mint:
    """Ids and timestamps for the bulk path, exactly as ``World.new_id``/``clock`` make them.

    Every document consumes one millisecond of the frozen clock. ``open`` takes the world's
    current instant and id counters; ``close`` hands them back (clock frozen at the last
    stamp), so documents created through the world before and after interleave correctly.
    """

    def __init__(self, world):
        self.world = world
        self.ms = 0
        self.counter = 0
        self.seconds = 0
        self._prefix_second = None
        self._prefix = ""
        self.open()

    def open(self) -> None:
        world = self.world
        moment = world.clock.now()
        self.ms = int(round(moment.timestamp() * 1000))
        self.counter = world._id_counter
        self.seconds = world._id_seconds
        self._getrandbits = world.rng.getrandbits

    def close(self) -> None:
        import datetime as dt
        world = self.world
        world._id_counter = self.counter
        world._id_seconds = self.seconds
        world.clock.freeze(dt.datetime.fromtimestamp(self.ms / 1000, dt.timezone.utc))

    def stamp(self) -> str:
        """The next instant, as the world's ISO-8601 string (one ms later than the last)."""
        self.ms += 1
        second, milli = divmod(self.ms, 1000)
        if second != self._prefix_second:
            import datetime as dt
            moment = dt.datetime.fromtimestamp(second, dt.timezone.utc)
            self._prefix = moment.strftime("%Y-%m-%dT%H:%M:%S.")
            self._prefix_second = second
        return f"{self._prefix}{milli:03d}Z"

    def new_id(self) -> str:
        """``World.new_id``: 8 hex of seconds, a 6-hex counter, 40 random bits."""
        self.ms += 1
        second = (self.ms // 1000) & 0xFFFFFFFF
        if second > self.seconds:
            self.seconds = second
        self.counter += 1
        if self.counter > 0xFFFFFF:
            self.seconds, self.counter = self.seconds + 1, 0
        return "%08x%06x%010x" % (self.seconds, self.counter, self._getrandbits(40))


# ---- the plan: geometry and topology, before any document exists -----------------------------

class Grid:
    """A city's street grid: ``nx`` × ``ny`` blocks of ``BLOCK_M`` metres, poles every 40 m.

    Poles on east-west street ``j`` are addressed by a row position ``r`` (corner ``i`` at
    ``r = 3i``); poles on north-south street ``i`` by a column position ``c`` (corner ``j`` at
    ``c = 3j``). Corners belong to both. ``index`` numbers every pole once, row by row.
    """

    def __init__(self, city: City, nx: int, ny: int, centre: tuple[float, float]):
        self.city, self.nx, self.ny = city, nx, ny
        self.lng0 = centre[0] - nx * BLOCK_M / 2 / self.m_per_deg_lng(centre[1])
        self.lat0 = centre[1] - ny * BLOCK_M / 2 / M_PER_DEG
        self.kx = 1.0 / self.m_per_deg_lng(centre[1])
        self.ky = 1.0 / M_PER_DEG
        self.row_len = 3 * nx + 1                    # poles on one east-west street
        self.band = self.row_len + 2 * (nx + 1)      # + the north-south poles up to the next row
        self.count = (ny + 1) * self.row_len + ny * 2 * (nx + 1)

    @staticmethod
    def m_per_deg_lng(lat: float) -> float:
        return M_PER_DEG * math.cos(math.radians(lat))

    @property
    def width_m(self) -> float:
        return self.nx * BLOCK_M

    @property
    def height_m(self) -> float:
        return self.ny * BLOCK_M

    def lnglat(self, x: float, y: float) -> list[float]:
        return [round(self.lng0 + x * self.kx, 7), round(self.lat0 + y * self.ky, 7)]

    def bounds(self, margin_m: float = 0.0) -> tuple[float, float, float, float]:
        (w, s), (e, n) = self.lnglat(-margin_m, -margin_m), \
            self.lnglat(self.width_m + margin_m, self.height_m + margin_m)
        return w, s, e, n

    # pole addressing
    def row_pole(self, j: int, r: int) -> int:
        return j * self.band + r

    def col_pole(self, i: int, c: int) -> int:
        j, k = divmod(c, 3)
        if k == 0:
            return j * self.band + 3 * i
        return j * self.band + self.row_len + 2 * i + (k - 1)

    def corner(self, i: int, j: int) -> int:
        return j * self.band + 3 * i

    def position(self, index: int) -> tuple[float, float]:
        """(x, y) in metres of pole ``index`` (before jitter)."""
        j, rest = divmod(index, self.band)
        step = BLOCK_M / POLE_STEP
        if rest < self.row_len:
            return rest * step, j * BLOCK_M
        i, k = divmod(rest - self.row_len, 2)
        return i * BLOCK_M, j * BLOCK_M + (k + 1) * step

    def neighbours(self, index: int) -> list[int]:
        j, rest = divmod(index, self.band)
        out = []
        if rest < self.row_len:                       # on east-west street j
            r = rest
            if r > 0:
                out.append(index - 1)
            if r < self.row_len - 1:
                out.append(index + 1)
            if r % 3 == 0:                            # a corner: north-south street too
                i = r // 3
                if j > 0:
                    out.append(self.col_pole(i, 3 * j - 1))
                if j < self.ny:
                    out.append(self.col_pole(i, 3 * j + 1))
        else:
            i, k = divmod(rest - self.row_len, 2)
            c = 3 * j + 1 + k
            out.append(self.col_pole(i, c - 1))
            out.append(self.col_pole(i, c + 1))
        return sorted(out)

    def path(self, a: tuple[str, int, int], b: tuple[str, int, int]) -> list[int]:
        """Poles from corner ``a`` to site ``b`` along the streets (both ends included).

        Sites are ``("row", j, r)``, ``("col", i, c)`` or ``("corner", i, j)``.
        """
        _, ia, ja = a
        kind, p, q = b
        out: list[int] = []

        def run_row(j, r0, r1):
            step = 1 if r1 >= r0 else -1
            out.extend(self.row_pole(j, r) for r in range(r0, r1 + step, step))

        def run_col(i, c0, c1):
            step = 1 if c1 >= c0 else -1
            out.extend(self.col_pole(i, c) for c in range(c0, c1 + step, step))

        if kind == "row":                       # along column ia to row j, then along row j
            j, r = p, q
            run_col(ia, 3 * ja, 3 * j)
            run_row(j, 3 * ia, r)
        elif kind == "col":
            i, c = p, q                         # along row ja to column i, then column i
            run_row(ja, 3 * ia, 3 * i)
            run_col(i, 3 * ja, c)
        else:
            i, j = p, q
            run_row(ja, 3 * ia, 3 * i)
            run_col(i, 3 * ja, 3 * j)
        dedup = [out[0]]
        for pole in out[1:]:
            if pole != dedup[-1]:
                dedup.append(pole)
        return dedup

    def site_xy(self, site: tuple[str, int, int]) -> tuple[float, float]:
        kind, p, q = site
        if kind == "row":
            return self.position(self.row_pole(p, q))
        if kind == "col":
            return self.position(self.col_pole(p, q))
        return p * BLOCK_M, q * BLOCK_M

    def site_pole(self, site: tuple[str, int, int]) -> int:
        kind, p, q = site
        if kind == "row":
            return self.row_pole(p, q)
        if kind == "col":
            return self.col_pole(p, q)
        return self.corner(p, q)


class Cto:
    """A CTO site: where it hangs, how many service ports it has, what state it is in."""

    __slots__ = ("site", "pole", "x", "y", "ports", "state", "group", "leg", "condo")

    def __init__(self, site, pole, x, y):
        self.site, self.pole, self.x, self.y = site, pole, x, y
        self.ports = 16
        self.state = "ok"           # ok | draft | planned (not implanted) | full | empty
        self.group = None
        self.leg = 0                # output of the upstream splitter feeding it (0-based)
        self.condo = None           # index of the gated community it stands in


class Group:
    """The CTOs fed by one CEO's primary splitter, or an FBT trunk ("tronco e derivação")."""

    __slots__ = ("kind", "ctos", "ceos", "building", "pop", "olt", "slot", "pon", "outage",
                 "index")

    def __init__(self, kind: str, ctos: list):
        self.kind = kind            # "oct" (1:8 primary) | "quad" (1:4) | "fbt" (2 × 70/30 → 1:4)
        self.ctos = ctos
        self.ceos: list = []        # corners (i, j): one, or three for an FBT trunk
        self.building = None        # a building fed by the primary's last output: its (x, y)
        self.pop = self.olt = self.slot = self.pon = None
        self.outage = False
        self.index = 0


class CityPlan:
    def __init__(self, city: City, grid: Grid):
        self.city, self.grid = city, grid
        self.ctos: list[Cto] = []
        self.groups: list[Group] = []
        self.pops: list[dict] = []
        self.condos: list[tuple[int, int]] = []
        self.used_corners: set = set()
        self.street_offset = 0
        self.hood_offset = 0
        # filled while building: the project document, pole ids and coordinates by index
        self.project: dict | None = None
        self.pole_ids: list = []
        self.pole_coords: list = []


def _nearest_free_corner(grid: Grid, used: set, x: float, y: float) -> tuple[int, int]:
    i0 = min(max(int(round(x / BLOCK_M)), 0), grid.nx)
    j0 = min(max(int(round(y / BLOCK_M)), 0), grid.ny)
    for ring in range(0, max(grid.nx, grid.ny) + 2):
        best = None
        for i in range(i0 - ring, i0 + ring + 1):
            for j in (range(j0 - ring, j0 + ring + 1) if abs(i - i0) == ring
                      else (j0 - ring, j0 + ring)):
                if 0 <= i <= grid.nx and 0 <= j <= grid.ny and (i, j) not in used:
                    d = (i * BLOCK_M - x) ** 2 + (j * BLOCK_M - y) ** 2
                    if best is None or d < best[0]:
                        best = (d, (i, j))
        if best:
            used.add(best[1])
            return best[1]
    raise RuntimeError("no free street corner left for a CEO or POP")


def plan_city(city: City, n_ctos: int, profile: Profile, rng: random.Random,
              centre: tuple[float, float], demo: bool) -> CityPlan:
    cells = max(4.0, n_ctos / CTO_SITES_PER_CELL)
    nx = max(2, math.ceil(math.sqrt(cells)))
    ny = max(2, math.ceil(cells / nx))
    grid = Grid(city, nx, ny, centre)
    plan = CityPlan(city, grid)
    plan.street_offset = rng.randrange(len(STREET_NAMES))
    plan.hood_offset = rng.randrange(len(NEIGHBOURHOODS))

    # gated communities: 2 × 2 blocks whose inner streets carry boxes
    n_condos = max(1, round(n_ctos / profile.ctos_per_condo)) if n_ctos >= 20 else 0
    forced: dict = {}
    taken_blocks: set = set()
    for attempt in range(n_condos * 4):
        if len(plan.condos) == n_condos:
            break
        i0, j0 = rng.randrange(nx - 1), rng.randrange(ny - 1)
        if demo and attempt == 0:          # the README's example point lies inside it
            i0, j0 = nx // 2 - 1, ny // 2 - 1
        blocks = {(i0 + a, j0 + b) for a in (-1, 0, 1, 2) for b in (-1, 0, 1, 2)}
        if blocks & taken_blocks:
            continue
        taken_blocks |= blocks
        plan.condos.append((i0, j0))
        for site in (("row", j0 + 1, 3 * i0 + 1), ("row", j0 + 1, 3 * i0 + 4),
                     ("col", i0 + 1, 3 * j0 + 2), ("col", i0 + 1, 3 * j0 + 5)):
            forced[site] = len(plan.condos) - 1
    if demo:    # the box nearest the demo point must exist (README's feasibility example)
        ci, cj = nx // 2, ny // 2
        forced.setdefault(("row", cj, 3 * ci + 1), None)

    candidates = [("row", j, 3 * i + 1) for j in range(ny + 1) for i in range(nx)] + \
                 [("col", i, 3 * j + 2) for i in range(nx + 1) for j in range(ny)]
    rest = [s for s in candidates if s not in forced]
    n_free = max(0, min(len(rest), n_ctos - len(forced)))
    sites = list(forced) + rng.sample(rest, n_free)
    ctos = []
    for site in sites:
        pole = grid.site_pole(site)
        x, y = grid.site_xy(site)
        cto = Cto(site, pole, x, y)
        cto.condo = forced.get(site)
        ctos.append(cto)

    def serpentine(c: Cto):
        band = int(c.y // (2 * BLOCK_M))
        return band, (c.x if band % 2 == 0 else -c.x), c.y

    ctos.sort(key=serpentine)
    plan.ctos = ctos

    # CEO groups along the serpentine: 1:8 primaries, some 1:4, some FBT trunks
    n_buildings = max(1, round(n_ctos / profile.ctos_per_building)) if n_ctos >= 20 else 0
    est_oct = n_ctos / 8 * (1 - profile.fbt_share - profile.quad_share)
    step = max(1, int(est_oct * 0.8 / max(n_buildings, 1)))
    building_at = {k * step for k in range(n_buildings)}
    octs = 0
    k = 0
    while k < len(ctos):
        left = len(ctos) - k
        r = rng.random()
        if demo and not plan.groups and left >= 6:
            r = 0.0                 # the demo shows one FBT trunk, first
        if r < profile.fbt_share and left >= 6:
            kind, size = "fbt", 6
        elif r < profile.fbt_share + profile.quad_share or left <= 4:
            kind, size = "quad", min(4, left)
        else:
            kind = "oct"
            size = 7 if octs in building_at else 8
            octs += 1
        group = Group(kind, ctos[k:k + size])
        if kind == "oct" and size == 7 and octs - 1 in building_at:
            group.building = (0.0, 0.0)          # placed next to its CEO below
        group.index = len(plan.groups)
        for leg, cto in enumerate(group.ctos):
            cto.group, cto.leg = group, leg
            if kind == "fbt":
                cto.ports = 8
            elif kind == "quad":
                cto.ports = 16
            else:
                cto.ports = 16 if rng.random() < profile.ports16 else 8
        plan.groups.append(group)
        k += size

    for group in plan.groups:
        members = group.ctos
        if group.kind == "fbt":
            for cto in members[:2]:
                group.ceos.append(_nearest_free_corner(grid, plan.used_corners, cto.x, cto.y))
            tail = members[2:]
            cx = sum(c.x for c in tail) / len(tail)
            cy = sum(c.y for c in tail) / len(tail)
            group.ceos.append(_nearest_free_corner(grid, plan.used_corners, cx, cy))
        else:
            cx = sum(c.x for c in members) / len(members)
            cy = sum(c.y for c in members) / len(members)
            group.ceos.append(_nearest_free_corner(grid, plan.used_corners, cx, cy))
        if group.building:
            i, j = group.ceos[-1]
            bx = (i + 0.5 if i < grid.nx else i - 0.5) * BLOCK_M
            by = j * BLOCK_M + (22.0 if j < grid.ny else -22.0)
            group.building = (bx, by)

    # CTO states: a few in design (draft), not yet built, full or still empty
    centre_site = ("row", ny // 2, 3 * (nx // 2) + 1) if demo else None
    for cto in ctos:
        if cto.site == centre_site:
            continue
        r = rng.random()
        cto.state = ("draft" if r < 0.01 else "planned" if r < 0.04 else
                     "full" if r < 0.09 else "empty" if r < 0.11 else "ok")
    if demo:        # the demo shows one box of each kind
        others = [c for c in ctos if c.site != centre_site and c.state == "ok"]
        for cto, state in zip(rng.sample(others, 4), ("draft", "planned", "full", "empty")):
            cto.state = state

    # POP districts over consecutive groups; OLT / slot / PON for every group
    n_pops = max(1, math.ceil(len(plan.groups) / profile.groups_per_pop))
    per_pop = math.ceil(len(plan.groups) / n_pops)
    for p in range(n_pops):
        members = plan.groups[p * per_pop:(p + 1) * per_pop]
        if not members:
            continue
        cx = sum(g.ceos[0][0] for g in members) / len(members) * BLOCK_M
        cy = sum(g.ceos[0][1] for g in members) / len(members) * BLOCK_M
        corner = _nearest_free_corner(grid, plan.used_corners, cx, cy)
        n_olts = max(1, math.ceil(len(members) / LIT_PONS_PER_OLT))
        pop = {"corner": corner, "groups": members, "olts": n_olts, "index": p}
        plan.pops.append(pop)
        for m, group in enumerate(members):
            group.pop = p
            group.olt = m * n_olts // len(members)
            first = min(x for x in range(len(members)) if x * n_olts // len(members) == group.olt)
            slot_pos = m - first
            group.slot, group.pon = slot_pos % 8, slot_pos // 8
    return plan


def plan_network(profile: Profile, rng: random.Random, demo: bool) -> list[CityPlan]:
    total_ctos = profile.ctos or round(profile.clients / CLIENTS_PER_CTO)
    plans: list[CityPlan] = []
    placed: list[tuple[float, float, float]] = []     # (x km, y km, half-width km)
    for code, share in profile.cities:
        city = CITIES[code]
        n_ctos = max(1, round(total_ctos * share))
        half = math.sqrt(n_ctos / CTO_SITES_PER_CELL) * BLOCK_M / 2000 + 0.3
        # keep grids of neighbouring cities apart: push the centre away until it is clear
        kx = Grid.m_per_deg_lng(city.lat) / 1000
        x, y = city.lng * kx, city.lat * M_PER_DEG / 1000
        for _ in range(200):
            clash = next(((px, py) for px, py, ph in placed
                          if abs(px - x) < ph + half and abs(py - y) < ph + half), None)
            if clash is None:
                break
            dx, dy = x - clash[0], y - clash[1]
            norm = math.hypot(dx, dy) or 1.0
            x, y = x + dx / norm * 0.5, y + dy / norm * 0.5
        placed.append((x, y, half))
        centre = (x / kx, y / (M_PER_DEG / 1000))
        plans.append(plan_city(city, n_ctos, profile, rng, centre, demo))
    return plans



# ---- emitters: the same documents, through the rules or straight into the store --------------

def store(world, route: str, doc: dict) -> dict:
    """``World.insert`` for a document that already has its id, kind, stamps and creator.

    ``World.insert`` fills those with ``dict.setdefault(key, expression)``, which evaluates
    ``new_id()`` and ``creator()`` even when the key is present: each call would burn an id, a
    clock tick and 40 RNG bits. This stores the document and maintains every index (equality,
    spatial, the port ledger) exactly as ``insert`` does after filling the defaults. The
    stored document is a compact copy (``store.compact``): keep using the returned one.
    """
    doc = compact(route, doc)
    world.docs[route][doc["id"]] = doc
    world._index(route, doc, add=True)
    return doc


def keep(world, route: str, doc: dict) -> None:
    """``store`` for a document that is already compact (or meant to stay as it is)."""
    world.docs[route][doc["id"]] = doc
    world._index(route, doc, add=True)


def _mutable_keys(route: str) -> list[str]:
    return [k for k, v in RESOURCES[route].defaults.items() if isinstance(v, (list, dict))]


class ApiEmitter:
    """Builds every element through ``world.create``/``world.update``: all rules checked."""

    fast = False

    def __init__(self, world):
        self.world = world

    def create(self, route: str, body: dict) -> dict:
        return self.world.create(route, body)

    def update(self, route: str, doc_id: str, patch: dict) -> None:
        self.world.update(route, doc_id, patch)

    def pole(self, body: dict, earlier: list[str]) -> dict:
        return self.world.create("poles", {**body, "adjacents": list(earlier)})

    def box(self, route: str, body: dict) -> dict:
        return self.world.create(route, body)

    def cable(self, body: dict, ends: tuple, ctype: dict) -> tuple[dict, list[str]]:
        cable = self.world.create("cables", body)
        fibers = sorted(self.world.docs_where("fibers", "parent", cable["id"]),
                        key=lambda f: f["fiberNumber"])
        return cable, [f["id"] for f in fibers]

    def splitter(self, body: dict, stype: dict, parent: dict) -> dict:
        return self.world.create("splitters", body)

    def property(self, body: dict, box: dict, splitter: dict, port: int,
                 drop: dict | None = None) -> dict:
        return self.world.create("properties", body)

    def project(self, project: dict, drop_type: dict) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class FastEmitter(ApiEmitter):
    """Writes the documents the behaviours would write, without re-checking what the plan
    guarantees. Documents of one CEO group are built in memory, completed (ports plugged,
    cables listed) and stored in creation order by ``flush`` — so every index, the spatial
    indexes and the port ledger see each document once, in its final state.
    ``tests/unit/test_generator.py`` compares a whole network built both ways.

    Stamps: every operation (a box, a cable with its fibres, a reservation with its client,
    drop and fibre) happens at one instant of the frozen clock, which all the documents it
    writes carry — as one request served at once would — instead of one tick per document.
    """

    fast = True

    def __init__(self, world):
        super().__init__(world)
        self.mint = Mint(world)
        self.now = self.mint.stamp()
        self.pending: list[tuple[str, dict]] = []
        self.base = {route: {k: None if isinstance(v, (list, dict)) else v
                             for k, v in r.defaults.items()} for route, r in RESOURCES.items()}
        self.mutable = {route: _mutable_keys(route) for route in RESOURCES}
        self.creator = world.creator
        self.fiber_docs: dict[str, dict] = {}      # fibres of the pending group, by id
        self.drop_types: dict[str, dict] = {}      # project id -> its drop cable type
        self.drop_levels: dict[str, int] = {}      # project id -> hierarchy level of drops

    # documents through the world (few): hand the clock and id counters back and forth
    def create(self, route: str, body: dict) -> dict:
        self.flush()
        self.mint.close()
        try:
            return self.world.create(route, body)
        finally:
            self.mint.open()

    def update(self, route: str, doc_id: str, patch: dict) -> None:
        self.flush()
        self.mint.close()
        try:
            self.world.update(route, doc_id, patch)
        finally:
            self.mint.open()

    def close(self) -> None:
        self.flush()
        self.mint.close()

        # the per-client documents are written as literals (the hot path): make sure the
        # catalogue still has exactly the defaults they spell out
        for route, expected in HOT_DEFAULTS.items():
            if RESOURCES[route].defaults != expected:
                raise RuntimeError(f"model.py changed the defaults of {route}; update "
                                   "generator.HOT_DEFAULTS and FastEmitter.property")

    def project(self, project: dict, drop_type: dict) -> None:
        self.drop_types[project["id"]] = drop_type
        self.drop_levels[project["id"]] = ((project.get("hierarchyLevels") or {})
                                           .get("cable", {}).get("DROP", 3))

    def _new(self, route: str, body: dict) -> dict:
        """``merged(fresh_defaults(), body)`` for bodies whose nested objects are complete."""
        doc = dict(self.base[route])
        for key in self.mutable[route]:
            if key not in body:
                default = RESOURCES[route].defaults[key]
                doc[key] = EMPTY if default == [] else copy.deepcopy(default)
        doc.update(body)
        return doc

    def _stamp(self, route: str, doc: dict) -> dict:
        doc["id"] = self.mint.new_id()
        if "kind" not in doc:
            doc["kind"] = RESOURCES[route].kind
        doc["createdAt"] = doc["updatedAt"] = self.now
        doc["creatorData"] = self.creator()
        return doc

    def flush(self) -> None:
        world = self.world
        for route, doc in self.pending:
            store(world, route, doc)
        self.pending.clear()
        self.fiber_docs.clear()

    # -- elements ------------------------------------------------------------------------
    def pole(self, body: dict, earlier: list[str]) -> dict:
        """Poles.create with ``adjacents`` = the neighbours built before it, which the
        adjacency mirror then extends with this pole (a literal: one call per pole)."""
        assert body.keys() <= _POLE_BODY, sorted(body.keys() - _POLE_BODY)
        self.now = now = self.mint.stamp()
        licensing = body.get("licensing") or {}
        doc = {"usable": body.get("usable", True), "adjacents": list(earlier),
               "licensing": {"status": licensing.get("status", 0),
                             "protocol": licensing.get("protocol")},
               "address": None, "observation": "", "color": None, "tags": EMPTY,
               "coords": body["coords"], "poleType": body["poleType"], "name": body["name"],
               "id": self.mint.new_id(), "kind": "Pole", "createdAt": now, "updatedAt": now,
               "creatorData": self.creator()}
        poles = self.world.docs["poles"]
        doc = store(self.world, "poles", doc)
        for other in earlier:
            neighbour = poles[other]
            neighbour["adjacents"] = neighbour["adjacents"] + [doc["id"]]
            neighbour["updatedAt"] = now
        return doc

    def box(self, route: str, body: dict) -> dict:
        self.now = self.mint.stamp()
        doc = self._stamp(route, self._new(route, body))
        self.pending.append((route, doc))
        return doc

    def cable(self, body: dict, ends: tuple, ctype: dict) -> tuple[dict, list[str]]:
        self.now = self.mint.stamp()
        poles = [{"id": p["id"], "reserve": p.get("reserve") or 0} for p in body.get("poles", ())]
        fields = dict(body)
        fields["poles"] = poles
        drop_type = self.drop_types[body["project"]]
        fields.update(kind="Drop" if ctype.get("isDrop") or ctype["id"] == drop_type["id"]
                      else "Cable",
                      fiberNumber=ctype.get("fiberNumber") or 1,
                      looseNumber=ctype.get("looseNumber") or 1,
                      **network.measure(self.world, ends[0], poles, ends[1], ctype))
        cable = self._stamp("cables", self._new("cables", fields))
        self.pending.append(("cables", cable))
        fibers = self._fibers(cable)
        for end in ends:
            if end is not None:
                end["cables"] = end["cables"] + [cable["id"]]    # touch=False: same updatedAt
        return cable, fibers

    def _fibers(self, cable: dict) -> list[str]:
        ids = []
        is_drop = cable["kind"] == "Drop"
        pending, docs = self.pending, self.fiber_docs
        for n in range(1, cable["fiberNumber"] + 1):
            fiber = self._stamp("fibers", {"name": None, "observation": None, "connectors": EMPTY,
                                           "isDrop": is_drop, "parent": cable["id"],
                                           "project": cable["project"], "fiberNumber": n})
            pending.append(("fibers", fiber))
            docs[fiber["id"]] = fiber
            ids.append(fiber["id"])
        return ids

    def splitter(self, body: dict, stype: dict, parent: dict) -> dict:
        # network.Splitters.prepare_create, step by step (same keys, same order)
        self.now = self.mint.stamp()
        n_in, n_out = stype["ratio"]["input"], stype["ratio"]["output"]
        losses = stype.get("attenuation") or [0.0]
        fields = {k: v for k, v in body.items() if k not in network.Splitters.DERIVED}
        fields["project"] = parent.get("project")
        fields.setdefault("isDrop", bool(stype.get("isDrop")))
        new_id = self.mint.new_id
        ports = [{"id": new_id(), "index": i, "blocked": False, "tags": EMPTY, "observation": None}
                 for i in range(n_out)]
        for item in body.get("ports") or ():
            ports[item["index"]]["blocked"] = item["blocked"]
        fields.update(ratio={"input": n_in, "output": n_out},
                      isBalanced=stype.get("isBalanced", True),
                      attenuation=list((losses + [losses[-1]] * n_out)[:n_out]), ports=ports)
        wiring = body.get("connectables")
        fields["connectables"] = ({"input": list(wiring["input"]), "output": list(wiring["output"])}
                                  if wiring is not None else
                                  {"input": [None] * n_in, "output": [None] * n_out})
        doc = self._stamp("splitters", self._new("splitters", fields))
        self.pending.append(("splitters", doc))
        for side in ("input", "output"):
            for fiber_id in doc["connectables"][side]:
                if fiber_id:
                    self._plugged(fiber_id, doc["id"])
        return doc

    def _plugged(self, fiber_id: str, element_id: str) -> None:
        fiber = self.fiber_docs[fiber_id]
        fiber["connectors"] = fiber["connectors"] + [element_id]
        fiber["updatedAt"] = self.now

    def property(self, body: dict, box: dict, splitter: dict, port: int,
                 drop: dict | None = None) -> dict:
        """lifecycle.Properties.create of a client + property on ``port``, with its drop
        (``drop``: ``network.measure`` of it, when the caller has it already). The hot path
        of the generator, one call per client: documents are literals in the key order
        ``merged(fresh_defaults(), body)`` and the later ``set_fields`` calls give them."""
        mint, pending, creator = self.mint, self.pending, self.creator
        new_id = mint.new_id
        self.now = now = mint.stamp()
        get = body.get
        box_id, splitter_id = box["id"], splitter["id"]
        project_id = body["project"]
        coords = get("coords")
        prop_id = new_id()
        client_body = get("client")
        client_id = history = None
        if client_body is not None:
            client_id = new_id()
            onu = client_body["onu"]
            pending_client = {
                "code": client_body["code"], "name": client_body["name"], "observation": None,
                "implanted": client_body["implanted"], "certified": client_body["certified"],
                "status": client_body["status"], "cpe": None,
                "tags": list(client_body.get("tags") or ()) or EMPTY,
                "onu": {"user_PPPoE": onu["user_PPPoE"], "serial_number": onu["serial_number"],
                        "mac_address": onu["mac_address"]},
                "id": client_id, "kind": "FTTHClient", "createdAt": now, "updatedAt": now,
                "creatorData": creator()}
            history = {"clients": [{"id": client_id, "code": client_body["code"],
                                    "enter_date": now, "exit_date": None}]}
        ctype = self.drop_types[project_id]
        cable_id = new_id()
        fiber_id = new_id()
        prop = {"address": get("address"), "name": get("name"), "box": box_id, "pole": None,
                "client": client_id, "potencyRead": get("potencyRead"),
                "observation": get("observation"), "tags": list(get("tags") or ()) or EMPTY,
                "parent": {"id": box_id} if box["kind"] == "Building" else None,
                "drop": cable_id,
                "history": history or {"clients": []}, "project": project_id,
                "coords": coords if coords is not None else list(box["coords"]),
                "id": prop_id, "kind": "Property", "createdAt": now, "updatedAt": now,
                "creatorData": creator()}
        assert body.keys() <= _PROPERTY_BODY, sorted(body.keys() - _PROPERTY_BODY)
        pending.append(("properties", prop))
        if client_body is not None:
            pending.append(("ftth-clients", pending_client))
        measured = drop or network.measure(self.world, box, [], prop, ctype)
        pending.append(("cables", {
            "boxA": box_id, "boxB": prop_id, "name": f"DROP {box.get('name') or box_id} P{port}",
            "observation": None, "orientationA": None, "orientationB": None, "color": None,
            "tags": EMPTY, "poles": EMPTY, "ducts": EMPTY, "index": None, "project": project_id,
            "cableType": ctype["id"], "kind": "Drop", "hierarchyLevel": self.drop_levels[project_id],
            "implanted": True, "fiberNumber": ctype.get("fiberNumber") or 1,
            "looseNumber": ctype.get("looseNumber") or 1,
            "ground_length": measured["ground_length"],
            "altitude_length": measured["altitude_length"], "length": measured["length"],
            "loss": measured["loss"], "id": cable_id, "createdAt": now, "updatedAt": now,
            "creatorData": creator()}))
        pending.append(("fibers", {"name": None, "observation": None, "connectors": [splitter_id],
                                   "isDrop": True, "parent": cable_id, "project": project_id,
                                   "fiberNumber": 1, "id": fiber_id, "kind": "Fiber",
                                   "createdAt": now, "updatedAt": now,
                                   "creatorData": creator()}))
        box["cables"] = box["cables"] + [cable_id]
        splitter["connectables"]["output"][port - 1] = fiber_id
        splitter["updatedAt"] = now
        return prop


_POLE_BODY = frozenset({"coords", "poleType", "name", "licensing", "usable"})
_PROPERTY_BODY = frozenset({"project", "box", "connector", "port", "coords", "name", "address",
                            "potencyRead", "tags", "observation", "client"})

# the defaults FastEmitter.property spells out (checked against model.py at start-up)
HOT_DEFAULTS = {
    "properties": {"address": None, "name": None, "box": None, "pole": None, "client": None,
                   "potencyRead": None, "observation": None, "tags": [], "parent": None,
                   "drop": None, "history": {"clients": []}},
    "ftth-clients": {"code": None, "name": None, "observation": None, "implanted": False,
                     "certified": False, "status": 0, "cpe": None, "tags": [],
                     "onu": {"user_PPPoE": "", "serial_number": "", "mac_address": ""}},
    "cables": {"boxA": None, "boxB": None, "name": None, "observation": None,
               "orientationA": None, "orientationB": None, "color": None, "tags": [],
               "poles": [], "ducts": [], "index": None},
    "fibers": {"name": None, "observation": None, "connectors": [], "isDrop": False},
    "poles": {"usable": True, "adjacents": [], "licensing": {"status": 0, "protocol": None},
              "address": None, "observation": "", "color": None, "tags": []},
}


# ---- the generator: walks the plan, emits documents ------------------------------------------

_ASCII = str.maketrans("áàâãäéèêëíìîïóòôõöúùûüçÁÀÂÃÉÊÍÓÔÕÚÇ", "aaaaaeeeeiiiiooooouuuucAAAAEEIOOOUC")
_LOGIN = {name: name.translate(_ASCII).lower() for name in FIRST_NAMES + SURNAMES}
UTILITY = {"SC": "CELESC", "PR": "COPEL", "RS": "RGE"}
PENDENCIES = (
    ("Trocar conector da porta {port}", "Cliente relata sinal instável; conector sujo ou danificado."),
    ("Poda de árvore junto ao cabo", "Galhos encostando no cabo de distribuição."),
    ("Caixa sem identificação", "Plaqueta da caixa caiu; reidentificar."),
    ("Cabo baixo sobre a via", "Cabo com flecha excessiva entre os postes."),
    ("Reserva técnica solta", "Reserva técnica desenrolada no poste."),
    ("Verificar atenuação alta", "Potência lida 3 dB pior que a calculada em vários clientes."),
)


class Generator:
    def __init__(self, world, profile: Profile, emitter, progress=None, demo: bool = False):
        self.world, self.profile, self.emit, self.demo = world, profile, emitter, demo
        self.progress = progress
        self.rng = random.Random(world.rng.getrandbits(64))     # decisions; ids use world.rng
        self.api_user = world.user
        self.drop_connector_loss = world.settings["dropConnectorLoss"]
        self.code = 100000
        self.stats = {"clients": 0}

    # -- helpers ---------------------------------------------------------------------------
    def _type(self, route: str, **match) -> dict:
        for doc in self.world.docs[route].values():
            if all(doc.get(k) == v for k, v in match.items()):
                return doc
        raise LookupError(f"the catalogue has no {route} matching {match}")

    def _stage(self, name: str) -> None:
        if self.progress is not None:
            self.progress.stage(name)

    def _advance(self, amount: float = 1.0) -> None:
        if self.progress is not None:
            self.progress.advance(amount)

    # -- the whole network -----------------------------------------------------------------
    def run(self) -> None:
        rng = self.rng
        self._stage("planning")
        plans = plan_network(self.profile, rng, self.demo)
        if self.progress is not None:
            self.progress.update(done=0, total=sum(len(p.groups) + p.grid.count / 200
                                                   for p in plans) + 1)
        self.setup()
        for n, plan in enumerate(plans):
            self.city(plan, n)
        self._stage("prospects, pendencies")
        self.extras(plans)
        self.emit.close()

    def setup(self) -> None:
        world, emit = self.world, self.emit
        t = self.types = {}
        t["cto"] = self._type("box-types", code="CTO")["id"]
        t["ceo"] = self._type("box-types", code="CEO")["id"]
        self.splitter_types = {code: self._type("splitter-types", code=code)
                               for code in ("01/08 R F", "01/04 R F", "01/16 A C", "01/08 A C",
                                            "70/30 R F")}
        t["feeder"] = self._type("cable-types", code="AS80 12F")
        t["drop"] = next(c for c in world.docs["cable-types"].values()
                         if c.get("fiberNumber") == 1)
        t["distribution"] = emit.create("cable-types", {
            "code": "AS80 2F", "fiberNumber": 2, "looseNumber": 1, "base_loss": 0.35,
            "description": "Cabo de distribuição autossustentado, 2 fibras (CEO → CTO)"})
        poles = sorted(world.docs["pole-types"].values(), key=lambda d: d["id"])
        t["pole"] = next(p for p in poles if p.get("viabilityAllowed", True))
        t["pole_third"] = next((p for p in poles if p.get("viabilityAllowed") is False), t["pole"])
        t["pop"] = next(iter(world.docs["pop-types"].values()))["id"]
        t["olt"] = next(iter(world.docs["olt-types"].values()))["id"]
        t["building"] = next(iter(world.docs["building-types"].values()))["id"]
        t["pendency"] = sorted(world.docs["pendency-types"])
        self.users = [emit.create("users", {
            "username": username, "name": name, "email": f"{username}@example.com",
            "password": "ozsim", "resources": ["Mobile"], "role": None, "projects": [],
            "projectGroups": [], "allUsers": False, "email_confirmed": True, "locale": "pt-BR"})["id"]
            for username, name in (("tecnico.ana", "Ana Paula Schmitt"),
                                   ("tecnico.joao", "João Carlos Medeiros"),
                                   ("projetista.rita", "Rita de Cássia Koch"))]
        self.tags = {name: emit.create("tags", {"name": name, "allowedTypes": types})["id"]
                     for name, types in (("Falha massiva", ["box", "client", "property"]),
                                         ("Cliente VIP", ["client"]),
                                         ("Empresarial", ["client", "property"]),
                                         ("Manutenção preventiva", ["box", "cable"]),
                                         ("Poste compartilhado", ["pole"]),
                                         ("Lead quente", ["prospect"]),
                                         ("Urgente", ["pendency"]))}

    # -- a city: project, poles, POPs and OLTs, then CEO group by CEO group ----------------
    def city(self, plan: CityPlan, n_city: int) -> None:
        emit, rng, grid, city = self.emit, self.rng, plan.grid, plan.city
        self._stage(f"{city.name}: poles")
        w, s, e, n = grid.bounds(60.0)
        centre = grid.lnglat(grid.width_m / 2, grid.height_m / 2)
        project = emit.create("projects", {
            "name": f"{city.name} - {city.uf}", "identifier": city.code,
            "lat": centre[1], "lng": centre[0], "defaultPonPotency": 3.0,
            "drop": {"maxSize": DROP_MAX_M, "type": {"cableType": self.types["drop"]["id"]}},
            "area": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}})
        plan.project = project
        emit.project(project, self.types["drop"])

        # poles, row by row, each adjacent to its neighbours along the streets
        utility = UTILITY.get(city.uf, "CELESC")
        pole_ids: list[str] = [None] * grid.count
        coords: list = [None] * grid.count
        regular, third = self.types["pole"]["id"], self.types["pole_third"]["id"]
        prefix = self.types["pole"].get("prefix") or "P_"
        for index in range(grid.count):
            x, y = grid.position(index)
            xy = grid.lnglat(x + rng.uniform(-1.5, 1.5), y + rng.uniform(-1.5, 1.5))
            r = rng.random()
            licensing = ({"status": 2, "protocol": f"{utility}-{2019 + index % 6}-{index:06d}"}
                         if r < 0.6 else {"status": 1, "protocol": f"{utility}-PEND-{index:06d}"}
                         if r < 0.85 else {"status": 0, "protocol": None})
            body = {"coords": xy, "poleType": third if rng.random() < 0.05 else regular,
                    "name": f"{prefix}{city.code}-{index + 1}", "licensing": licensing}
            if rng.random() < 0.005:
                body["usable"] = False
            earlier = [pole_ids[o] for o in grid.neighbours(index) if o < index]
            doc = emit.pole(body, earlier)
            pole_ids[index] = doc["id"]
            coords[index] = doc["coords"]
            if index % 200 == 199:
                self._advance()
        plan.pole_ids, plan.pole_coords = pole_ids, coords

        # POPs with their OLTs, slots and PONs
        self._stage(f"{city.name}: POPs and OLTs")
        for pop in plan.pops:
            self.pop(plan, pop, n_city)

        # CEO groups: boxes, splitters, cables, then the clients on their ports
        self._stage(f"{city.name}: boxes, cables, clients")
        outage = set(rng.sample(range(len(plan.groups)),
                                min(self.profile.outage_groups, len(plan.groups))))
        for group in plan.groups:
            group.outage = group.index in outage
            self.group(plan, group)
            self._advance()
        self._stage(f"{city.name}: gated communities")
        for k, (i0, j0) in enumerate(plan.condos):
            x0, y0 = i0 * BLOCK_M + 6, j0 * BLOCK_M + 6
            x1, y1 = (i0 + 2) * BLOCK_M - 6, (j0 + 2) * BLOCK_M - 6
            ring = [grid.lnglat(x0, y0), grid.lnglat(x1, y0), grid.lnglat(x1, y1),
                    grid.lnglat(x0, y1), grid.lnglat(x0, y0)]
            name = CONDO_NAMES[(n_city + k) % len(CONDO_NAMES)]
            emit.create("horizontal-condominiums", {
                "project": project["id"], "polygon": {"type": "Polygon", "coordinates": [ring]},
                "tags": [], "name": f"Condomínio {name}",
                "address": self.address(plan, "row", j0, x0 + BLOCK_M, 0)})

    def pop(self, plan: CityPlan, pop: dict, n_city: int) -> None:
        emit, rng, grid, city = self.emit, self.rng, plan.grid, plan.city
        i, j = pop["corner"]
        x, y = i * BLOCK_M + (18 if i < grid.nx else -18), j * BLOCK_M + (18 if j < grid.ny else -18)
        number = pop["index"] + 1
        doc = emit.create("pops", {
            "project": plan.project["id"], "coords": grid.lnglat(x, y), "popType": self.types["pop"],
            "hierarchyLevel": 1, "implanted": True, "name": f"POP-{city.code}-{number:02d}",
            "address": self.address(plan, "row", j, x, 1)})
        pop["doc"] = doc
        lit = {(g.olt, g.slot, g.pon): g for g in pop["groups"]}
        pop["pons"] = {}
        for k in range(pop["olts"]):
            olt = emit.create("olts", {
                "parent": doc["id"], "project": plan.project["id"], "oltType": self.types["olt"],
                "name": f"OLT-{city.code}-{number:02d}-{k + 1}", "label": "",
                "ip": f"10.{n_city + 1}.{number}.{k + 10}", "port": 22, "user": "ozmap",
                "implanted": True})
            for s in range(8):
                slot = emit.create("slots", {"olt": olt["id"], "parent": doc["id"],
                                             "starting_pon_number": 1, "name": f"Slot {s + 1}",
                                             "index": s})
                for p in range(16):
                    group = lit.get((k, s, p))
                    potency = 0
                    if group is not None and rng.random() > 0.05:     # 5 %: project default
                        potency = round(rng.uniform(3.0, 5.0), 1)
                    pon = emit.create("pons", {"slot": slot["id"], "name": f"PON {s + 1}/{p + 1}",
                                               "index": p, "potency": potency})
                    if group is not None:
                        pop["pons"][group.index] = pon

    # -- one CEO group ---------------------------------------------------------------------
    def _cable(self, name: str, ctype: dict, level: int, a: dict, b: dict, path: list[int],
               plan: CityPlan, implanted: bool = True, slack: tuple = (0, 10)) -> tuple:
        poles = [{"id": plan.pole_ids[p], "reserve": 0} for p in path]
        if poles:
            poles[0]["reserve"] = slack[0]
            poles[-1]["reserve"] = max(poles[-1]["reserve"], slack[1])
        body = {"project": plan.project["id"], "cableType": ctype["id"], "hierarchyLevel": level,
                "implanted": implanted, "name": name, "boxA": a["id"], "boxB": b["id"],
                "poles": poles}
        cable, fibers = self.emit.cable(body, (a, b), ctype)
        loss = (cable.get("length") or 0.0) / 1000.0 * (ctype.get("base_loss") or 0.0)
        return cable, fibers, loss

    def _element_loss(self, stype: dict, i: int) -> float:
        connector = self.world.settings["connectorLoss"] if stype.get("outputConnectionType") == 1 \
            else 0.0
        return stype["attenuation"][i] + connector

    def group(self, plan: CityPlan, group: Group) -> None:
        emit, rng, grid, city = self.emit, self.rng, plan.grid, plan.city
        project_id = plan.project["id"]
        pop = plan.pops[group.pop]
        pon = pop["pons"][group.index]
        launch = pon.get("potency") or plan.project.get("defaultPonPotency") \
            or self.world.settings["defaultPonPotency"]
        g = group.index + 1
        outage = [self.tags["Falha massiva"]] if group.outage else []
        st = self.splitter_types

        ceos = []
        for k, (i, j) in enumerate(group.ceos):
            pole = grid.corner(i, j)
            suffix = "" if len(group.ceos) == 1 else "ABC"[k]
            ceos.append(emit.box("boxes", {
                "project": project_id, "coords": list(plan.pole_coords[pole]),
                "boxType": self.types["ceo"], "hierarchyLevel": 2, "implanted": True,
                "name": f"CEO-{city.code}-{g:04d}{suffix}", "pole": plan.pole_ids[pole]}))
        boxes = []
        for cto in group.ctos:
            kind, p, q = cto.site
            body = {"project": project_id, "coords": list(plan.pole_coords[cto.pole]),
                    "boxType": self.types["cto"], "hierarchyLevel": 3,
                    "implanted": cto.state != "planned",
                    "name": f"CTO-{city.code}-{g:04d}-{cto.leg + 1:02d}",
                    "pole": plan.pole_ids[cto.pole],
                    "address": self.address(plan, kind, p, cto.x if kind == "row" else cto.y, 0)}
            if cto.state == "draft":
                body["draft"] = True
            if outage:
                body["tags"] = list(outage)
            boxes.append(emit.box("boxes", body))
        building = None
        if group.building:
            bx, by = group.building
            building = emit.box("buildings", {
                "project": project_id, "coords": grid.lnglat(bx, by),
                "buildingType": self.types["building"],
                "name": f"{BUILDING_NAMES[g % len(BUILDING_NAMES)]} {g}",
                "address": self.address(plan, "row", int(round(by / BLOCK_M)), bx, 0),
                "implanted": True})

        # cables: feeder (and the FBT trunk), one distribution cable per CTO, the building's
        feeder_t, dist_t = self.types["feeder"], self.types["distribution"]
        pi, pj = pop["corner"]
        ci, cj = group.ceos[0]
        path = grid.path(("corner", pi, pj), ("corner", ci, cj))[:-1]
        feeder, feeder_fibers, feeder_loss = self._cable(
            f"FDR-{city.code}-{g:04d}", feeder_t, 1, pop["doc"], ceos[0], path, plan, slack=(20, 15))
        trunks = []
        for k in range(1, len(ceos)):
            a, b = group.ceos[k - 1], group.ceos[k]
            path = grid.path(("corner", *a), ("corner", *b))[1:-1]
            trunks.append(self._cable(f"TRC-{city.code}-{g:04d}{'ABC'[k]}", feeder_t, 1,
                                      ceos[k - 1], ceos[k], path, plan, slack=(0, 15)))
        dists = []
        for cto, box in zip(group.ctos, boxes):
            k = min(cto.leg, len(ceos) - 1) if group.kind == "fbt" else 0
            ceo_corner = group.ceos[k]
            path = grid.path(("corner", *ceo_corner), cto.site)[1:-1]
            dists.append(self._cable(f"DST-{city.code}-{g:04d}-{cto.leg + 1:02d}", dist_t, 2,
                                     ceos[k], box, path, plan,
                                     implanted=cto.state not in ("planned", "draft")))
        building_cable = None
        if building is not None:
            building_cable = self._cable(f"DST-{city.code}-{g:04d}-ED", dist_t, 2, ceos[-1],
                                         building, [], plan)

        # splitters: primary (or the FBT chain) wired in and out, then the service splitters
        ins = []                                    # (loss at the CTO splitter input) per CTO
        if group.kind == "fbt":
            chain_in, loss_in = feeder_fibers[0], feeder_loss
            for k in range(2):
                stype = st["70/30 R F"]
                emit.splitter({"parent": ceos[k]["id"], "splitterType": stype["id"],
                               "name": "FBT 1", "implanted": True,
                               "connectables": {"input": [chain_in],
                                                "output": [trunks[k][1][0], dists[k][1][0]]}},
                              stype, ceos[k])
                ins.append(loss_in + self._element_loss(stype, 1) + dists[k][2])
                chain_in, loss_in = trunks[k][1][0], loss_in + self._element_loss(stype, 0) + \
                    trunks[k][2]
            stype = st["01/04 R F"]
            outputs = [d[1][0] for d in dists[2:]] + [None] * (4 - len(dists[2:]))
            emit.splitter({"parent": ceos[2]["id"], "splitterType": stype["id"], "name": "SPL 1",
                           "implanted": True,
                           "connectables": {"input": [chain_in], "output": outputs}}, stype, ceos[2])
            for leg, d in enumerate(dists[2:]):
                ins.append(loss_in + self._element_loss(stype, leg) + d[2])
        else:
            stype = st["01/08 R F" if group.kind == "oct" else "01/04 R F"]
            n_out = stype["ratio"]["output"]
            outputs = [d[1][0] for d in dists] + [None] * (n_out - len(dists))
            if building_cable is not None:
                outputs[n_out - 1] = building_cable[1][0]
            emit.splitter({"parent": ceos[0]["id"], "splitterType": stype["id"], "name": "SPL 1",
                           "implanted": True,
                           "connectables": {"input": [feeder_fibers[0]], "output": outputs}},
                          stype, ceos[0])
            for leg, d in enumerate(dists):
                ins.append(feeder_loss + self._element_loss(stype, leg) + d[2])
            if building_cable is not None:
                building_in = feeder_loss + self._element_loss(stype, n_out - 1) + \
                    building_cable[2]

        services = []
        for cto, box, dist, loss_in in zip(group.ctos, boxes, dists, ins):
            stype = st["01/16 A C" if cto.ports == 16 else "01/08 A C"]
            blocked = [i for i in range(cto.ports) if rng.random() < 0.015]
            body = {"parent": box["id"], "splitterType": stype["id"], "name": "SPL 1",
                    "implanted": cto.state != "planned"}
            if blocked:
                body["ports"] = [{"index": i, "blocked": True} for i in blocked]
            body["connectables"] = {"input": [dist[1][0]], "output": [None] * cto.ports}
            services.append((emit.splitter(body, stype, box), stype, blocked, loss_in))
        if building is not None:
            stype = st["01/16 A C"]
            building_splitter = emit.splitter(
                {"parent": building["id"], "splitterType": stype["id"], "name": "SPL 1",
                 "implanted": True, "connectables": {"input": [building_cable[1][0]],
                                                     "output": [None] * 16}}, stype, building)

        # clients on the service ports
        for cto, box, (splitter, stype, blocked, loss_in) in zip(group.ctos, boxes, services):
            self.clients(plan, cto, box, splitter, stype, blocked, loss_in, launch, outage)
        if building is not None:
            self.apartments(plan, building, building_splitter, st["01/16 A C"], building_in,
                            launch, g)
        emit.flush()
        emit.update("pons", pon["id"], {"connectables": list(pon.get("connectables") or [])
                                        + [feeder_fibers[0]]})

    # -- clients ---------------------------------------------------------------------------
    def address(self, plan: CityPlan, kind: str, street: int, along: float, side: int) -> str:
        names = STREET_NAMES
        if kind == "row":
            name = names[(plan.street_offset + 2 * street) % len(names)]
            k = STREET_KINDS[(street * 7 + 3) % len(STREET_KINDS)]
        else:
            name = names[(plan.street_offset + 2 * street + 1) % len(names)]
            k = STREET_KINDS[(street * 5 + 1) % len(STREET_KINDS)]
        number = max(1, int(along))
        number = number | 1 if side else number & ~1 or 2
        hood = NEIGHBOURHOODS[(plan.hood_offset + int(along // 1200) * 7 + street // 10)
                              % len(NEIGHBOURHOODS)]
        return f"{k} {name}, {number} - {hood}, {plan.city.name} - {plan.city.uf}"

    def _occupied(self, cto: Cto, blocked: list, plan: CityPlan) -> list[int]:
        free = [p for p in range(1, cto.ports + 1) if p - 1 not in blocked]
        if cto.state in ("draft", "empty"):
            return []
        if cto.state == "full":
            return free
        a, b = self.profile.take
        k = round(len(free) * self.rng.betavariate(a, b))
        if self.demo and cto.site == ("row", plan.grid.ny // 2, 3 * (plan.grid.nx // 2) + 1):
            k = min(k, len(free) - 3)    # the README's example point always finds free ports
        return sorted(self.rng.sample(free, max(0, k)))

    def clients(self, plan, cto: Cto, box: dict, splitter: dict, stype: dict, blocked: list,
                loss_in: float, launch: float, outage: list) -> None:
        rng, grid = self.rng, plan.grid
        kind, street, _ = cto.site
        W, H = grid.width_m, grid.height_m
        if cto.condo is not None:
            i0, j0 = plan.condos[cto.condo]
            lo_x, lo_y = i0 * BLOCK_M + 12, j0 * BLOCK_M + 12
            hi_x, hi_y = (i0 + 2) * BLOCK_M - 12, (j0 + 2) * BLOCK_M - 12
        else:
            lo_x, lo_y, hi_x, hi_y = 2.0, 2.0, W - 2.0, H - 2.0
        drop_t = self.types["drop"]
        losses = [self._element_loss(stype, i) for i in range(cto.ports)]
        for port in self._occupied(cto, blocked, plan):
            side = 1 if rng.random() < 0.5 else 0
            offset = rng.uniform(9.0, 16.0) * (1 if side else -1)
            u = rng.uniform(-140.0, 140.0)
            if kind == "row":
                x = min(max(cto.x + u, lo_x), hi_x)
                y = min(max(cto.y + offset, lo_y), hi_y)
                along = x
            else:
                x = min(max(cto.x + offset, lo_x), hi_x)
                y = min(max(cto.y + u, lo_y), hi_y)
                along = y
            xy = grid.lnglat(x, y)
            self._property(plan, box, splitter, losses, port, xy,
                           self.address(plan, kind, street, along, side), loss_in, launch,
                           outage, cto.state, drop_t)

    def _property(self, plan, box, splitter, losses, port, xy, address, loss_in, launch,
                  outage, box_state, drop_t, name=None) -> None:
        """One occupied port: the client's state, its read power, the reservation body.
        Runs once per client, hence one flat function (``losses``: dB per output port)."""
        rng = self.rng
        random = rng.random
        # the client's state
        if box_state == "planned":
            state = "reserved"
        else:
            r = random()
            if r < 0.008:
                state = "orphan"         # a client-less property still holding its port
            elif r < 0.10:
                state = "reserved"
            elif outage:
                state = "error"
            else:
                r = random()
                state = ("error" if r < 0.04 else "unread" if r < 0.07 else
                         "drifting" if r < 0.10 else "ok")
        # network.measure of a straight drop (one segment, no slack), inlined
        a = box["coords"]
        b = xy or a
        base_loss = drop_t.get("base_loss") or 0.0
        ground = distance_m(a[0], a[1], b[0], b[1])
        length = round(ground, 2)
        drop = {"ground_length": length, "altitude_length": 0, "length": length,
                "loss": round(ground / 1000.0 * base_loss, 4)}
        # optics.calculated_power of the port, in the same order of additions
        loss = loss_in + losses[port - 1] + length / 1000.0 * base_loss
        calculated = round(launch - loss - self.drop_connector_loss, 2)
        client_tags = list(outage)
        prop_tags = list(outage)
        if state != "orphan" and random() < 0.02:
            client_tags.append(self.tags["Empresarial"])
            prop_tags.append(self.tags["Empresarial"])
        elif (state == "ok" or state == "drifting") and random() < 0.005:
            client_tags.append(self.tags["Cliente VIP"])
        body = {"project": plan.project["id"], "box": box["id"], "connector": splitter["id"],
                "port": port}
        if xy is not None:
            body["coords"] = xy
        if name is not None:
            body["name"] = name
        body["address"] = address
        if state == "ok":
            body["potencyRead"] = round(calculated + max(-1.8, min(1.8, rng.gauss(0.0, 0.6))), 2)
        elif state == "drifting":
            body["potencyRead"] = round(calculated - rng.uniform(2.3, 6.0), 2)
        else:
            body["potencyRead"] = None
        if prop_tags:
            body["tags"] = prop_tags
        if state == "orphan":
            body["observation"] = "Contrato encerrado; imóvel mantido na porta"
        else:
            reserved = state == "reserved"
            certified = not reserved and random() < 0.35
            self.code += 1 if random() > 0.04 else rng.randint(2, 40)   # gaps: old contracts
            code = str(self.code)
            choice = rng.choice
            first, last = choice(FIRST_NAMES), choice(SURNAMES)
            client = {"code": code, "name": f"{first} {choice(SURNAMES)} {last}",
                      "implanted": not reserved, "certified": certified,
                      "status": 1 if state == "error" else 0}
            if reserved:
                client["onu"] = {"user_PPPoE": "", "serial_number": "", "mac_address": ""}
            else:
                vendor, oui = ONU_VENDORS[rng.randrange(len(ONU_VENDORS))]
                mac = rng.getrandbits(24)
                client["onu"] = {
                    "user_PPPoE": f"{_LOGIN[first]}.{_LOGIN[last]}{code[-4:]}",
                    "serial_number": f"{vendor}{rng.getrandbits(32):08X}",
                    "mac_address": f"{oui}:{mac >> 16:02X}:{(mac >> 8) & 255:02X}:{mac & 255:02X}"}
            if client_tags:
                client["tags"] = client_tags
            body["client"] = client
            self.stats["clients"] += 1
        self.emit.property(body, box, splitter, port, drop)

    def apartments(self, plan, building, splitter, stype, loss_in, launch, g) -> None:
        rng = self.rng
        units = [f"Apto {floor}{unit:02d}" for floor in range(1, 9) for unit in range(1, 5)]
        k = round(16 * rng.betavariate(*self.profile.take))
        ports = sorted(rng.sample(range(1, 17), k))
        losses = [self._element_loss(stype, i) for i in range(16)]
        for port, unit in zip(ports, sorted(rng.sample(units, k))):
            self._property(plan, building, splitter, losses, port, None,
                           f"{building['address']}, {unit}", loss_in, launch, [], "ok",
                           self.types["drop"], name=unit)

    # -- leads and to-dos ------------------------------------------------------------------
    def extras(self, plans: list[CityPlan]) -> None:
        emit, rng = self.emit, self.rng
        n_prospects = max(8, self.stats["clients"] // 200)
        n_pendencies = max(6, sum(len(p.ctos) for p in plans) // 100)
        for k in range(n_prospects):
            plan = plans[k % len(plans)]
            grid, city = plan.grid, plan.city
            r = rng.random()
            if r < 0.6:         # beyond the network's edge: no feasibility
                edge = rng.uniform(250.0, 1500.0)
                x, y = rng.choice(((-edge, rng.uniform(0, grid.height_m)),
                                   (grid.width_m + edge, rng.uniform(0, grid.height_m)),
                                   (rng.uniform(0, grid.width_m), -edge),
                                   (rng.uniform(0, grid.width_m), grid.height_m + edge)))
                viable = False
            else:
                cto = rng.choice(plan.ctos)
                x, y = cto.x + rng.uniform(-60, 60), cto.y + rng.uniform(-60, 60)
                viable = None if r < 0.8 else True
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            body = {"name": f"{first} {last}", "code": f"LEAD-{k + 1:06d}",
                    "phone": f"({city.ddd}) 9{rng.randint(8000, 9999)}-{rng.randint(0, 9999):04d}",
                    "address": f"{city.name} - {city.uf}",
                    "observation": rng.choice(("Interesse em plano 500 Mbps",
                                               "Pediu retorno à noite", "Indicação de cliente",
                                               "Empresa: interesse em link dedicado")),
                    "coords": grid.lnglat(x, y), "viable": viable,
                    "tags": [self.tags["Lead quente"]] if rng.random() < 0.2 else []}
            emit.create("prospects", body)
        for k in range(n_pendencies):
            plan = plans[k % len(plans)]
            cto = rng.choice(plan.ctos)
            title, description = PENDENCIES[k % len(PENDENCIES)]
            emit.create("pendencies", {
                "owner": self.api_user["id"], "project": plan.project["id"],
                "pendencyType": self.types["pendency"][k % len(self.types["pendency"])],
                "coords": plan.grid.lnglat(cto.x + rng.uniform(-5, 5), cto.y + rng.uniform(-5, 5)),
                "name": title.format(port=rng.randint(1, cto.ports)), "description": description,
                "responsibles": [rng.choice(self.users)], "solved": rng.random() < 0.3,
                "tags": [self.tags["Urgente"]] if rng.random() < 0.2 else []})


def build_world(size="demo", seed: int = 0, tenant: str = "default",
                api_key: str = DEMO_API_KEY, progress=None, fast: bool = True):
    """A new world holding the network ``size`` (one of ``SIZES``, or a ``Profile``).

    ``fast=False`` builds the same network through ``world.create``/``world.update`` (every
    rule checked, much slower); the result is the same documents.
    """
    if isinstance(size, Profile):
        profile, demo = size, False
    elif size in SIZES:
        profile, demo = PROFILES.get(size), size == "demo"
    else:
        raise ValueError(f"unknown network size {size!r}; choose one of {', '.join(SIZES)}")
    world = new_world(tenant, seed, frozen_clock(), api_key)
    if profile is not None:
        gc_was_enabled = gc.isenabled()
        gc.disable()          # millions of containers: cyclic GC passes would dominate the build
        try:
            with world.lock:
                generator = Generator(world, profile, None, progress, demo)
                # seeded data has no author: creatorData is null on generated elements (a
                # creatorData object per document would cost ~0.5 GB on `large`)
                world.user = None
                try:
                    generator.emit = FastEmitter(world) if fast else ApiEmitter(world)
                    generator.run()
                finally:
                    world.user = generator.api_user
        finally:
            if gc_was_enabled:
                gc.enable()
        settle(world)
    world.clock.unfreeze()
    return world


def settle(world, threshold: int = 100_000) -> None:
    """Move a big world's objects out of the cyclic GC's sight (``gc.freeze``).

    Documents are trees freed by reference counting; but the first full collection after a
    build walks every container — about 1 s per 1.5 M objects (``mid``; ≈ 10 s on ``large``),
    a stop-the-world pause in the middle of serving. Frozen objects are skipped by every
    later collection.
    """
    if sum(len(docs) for docs in world.docs.values()) >= threshold:
        gc.freeze()
