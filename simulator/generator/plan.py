"""The geometric plan of a network, before any document exists: each city's street grid and
poles, its POPs and OLT ports, its CEO groups with their CTOs, buildings and gated
communities. Pure: it draws from the RNG it is given and touches no world, so it can be
tested on its own."""
from __future__ import annotations

import math
import random

from .reference import (BLOCK_M, CITIES, CLIENTS_PER_CTO, CTO_SITES_PER_CELL, LIT_PONS_PER_OLT,
                        M_PER_DEG, NEIGHBOURHOODS, POLE_STEP, STREET_NAMES, City, Profile)


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
