"""Two ways to write the documents of a plan: ``ApiEmitter`` through the rules
(``world.create``/``world.update``, every rule checked) and ``FastEmitter`` straight into the
store (the bulk path). ``tests/unit/test_generator.py`` proves that both build the same world.
"""
from __future__ import annotations

import copy

from ..core.ids import Mint
from ..core.store import EMPTY
from ..ftth.cables import measure
from ..ftth.catalogue import RESOURCES
from ..ftth.rules.network import Splitters


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
            world.store(route, doc)
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
        doc = self.world.store("poles", doc)
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
                      **measure(self.world, ends[0], poles, ends[1], ctype))
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
        fields = {k: v for k, v in body.items() if k not in Splitters.DERIVED}
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
        """rules.clients.Properties.create of a client + property on ``port``, with its drop
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
        measured = drop or measure(self.world, box, [], prop, ctype)
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
