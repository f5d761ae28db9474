"""Deterministic network generator: from an empty catalogue to ISP-scale FTTH networks.

``build_world(size, seed)`` returns a new tenant world holding a complete access network
laid out the way a Brazilian ISP builds one (docs/ftth-model.md, "Generated networks"):

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

import gc
import random

from ..core.geo import distance_m
from ..ftth.cables import length_loss
from ..ftth.domain import DEMO_API_KEY, frozen_clock, new_world
from ..ftth.optics import client_power, launch_power, splitter_loss
from .emitters import ApiEmitter, FastEmitter
from .plan import CityPlan, Cto, Group, plan_network
from .reference import (BLOCK_M, BUILDING_NAMES, CONDO_NAMES, DROP_MAX_M, FIRST_NAMES,
                        NEIGHBOURHOODS, ONU_VENDORS, PROFILES, SIZES, STREET_KINDS, STREET_NAMES,
                        SURNAMES, Profile)

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
        return cable, fibers, length_loss(cable.get("length"), ctype)

    def _element_loss(self, stype: dict, i: int) -> float:
        """optics.element_loss at output ``i`` of a splitter of type ``stype``."""
        return splitter_loss(self.world, stype, stype["attenuation"][i])

    def group(self, plan: CityPlan, group: Group) -> None:
        emit, rng, grid, city = self.emit, self.rng, plan.grid, plan.city
        project_id = plan.project["id"]
        pop = plan.pops[group.pop]
        pon = pop["pons"][group.index]
        launch = launch_power(self.world, pon)
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
        ground = distance_m(a[0], a[1], b[0], b[1])
        length = round(ground, 2)
        drop = {"ground_length": length, "altitude_length": 0, "length": length,
                "loss": round(length_loss(ground, drop_t), 4)}
        # optics.calculated_power of the port, in the same order of additions
        calculated = client_power(self.world, launch,
                                  loss_in + losses[port - 1] + length_loss(length, drop_t))
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
            world.settle()
        finally:
            if gc_was_enabled:
                gc.enable()
    world.clock.unfreeze()
    return world
