"""Whole-world consistency checks of the FTTH model (``World.check_invariants``).

Each failed rule raises AssertionError naming the documents involved. The checks scan every
collection once: use them in tests and from the control plane, not on the request path.
"""
from __future__ import annotations

from collections import Counter

from .catalogue import BOX_LIKE, WIRED
from .ports import is_service, serving_entry
from .wiring import connectable, connection, held_fibers


def check(world) -> None:
    _wiring(world)
    _ports(world)
    _properties(world)
    _cables(world)
    _ledger(world)


def _fail(message: str) -> None:
    raise AssertionError(message)


def _wiring(world) -> None:
    """The ``connectors`` of fibres and cords mirror the elements' ``connectables``, both
    ways; a cord is plugged only into elements of its own box."""
    plugged = Counter()
    for route in WIRED:
        for element in world.docs[route].values():
            held = held_fibers(route, element)
            if len(held) != len(set(held)):
                _fail(f"{element['kind']} {element['id']} holds a fiber twice: {held}")
            for fiber_id in held:
                _, fiber = connectable(world, fiber_id)
                if fiber is None:
                    _fail(f"{element['kind']} {element['id']} holds missing fiber {fiber_id}")
                if element["id"] not in fiber["connectors"]:
                    _fail(f"{fiber['kind']} {fiber_id} is in {element['kind']} {element['id']} but "
                          f"its connectors are {fiber['connectors']}")
                if fiber["kind"] == "Cord" and fiber["parent"] != element.get("parent"):
                    _fail(f"cord {fiber_id} of {fiber['parent']} is plugged into "
                          f"{element['kind']} {element['id']} of {element.get('parent')}")
                plugged[fiber_id] += 1
    for fiber in (*world.docs["fibers"].values(), *world.docs["cords"].values()):
        if len(fiber["connectors"]) > 2 or len(fiber["connectors"]) != plugged[fiber["id"]]:
            _fail(f"{fiber['kind']} {fiber['id']} lists connectors {fiber['connectors']} but is "
                  f"held {plugged[fiber['id']]} time(s)")
        if fiber["kind"] == "Fiber" and fiber["parent"] not in world.docs["cables"]:
            _fail(f"fiber {fiber['id']} belongs to missing cable {fiber['parent']}")


def _ports(world) -> None:
    """Every splitter output holding a drop fibre is the port its property says it holds."""
    for splitter in world.docs["splitters"].values():
        for i, fiber_id in enumerate(splitter["connectables"]["output"]):
            fiber = world.docs["fibers"].get(fiber_id) if fiber_id else None
            if fiber is None or not fiber["isDrop"]:
                continue
            cable = world.docs["cables"][fiber["parent"]]
            prop = world.docs["properties"].get(cable.get("boxB"))
            if prop is None or prop.get("drop") != cable["id"]:
                _fail(f"port {i + 1} of splitter {splitter['id']} holds drop fiber {fiber_id} "
                      f"of cable {cable['id']}, but property {cable.get('boxB')} does not point "
                      f"back (drop {(prop or {}).get('drop')})")


def _properties(world) -> None:
    """One property per port and per client; connections, drops and clients exist and agree."""
    ports, clients = {}, {}
    for prop in world.docs["properties"].values():
        client = prop.get("client")
        if client is not None:
            if client not in world.docs["ftth-clients"]:
                _fail(f"property {prop['id']} points to missing client {client}")
            if client in clients:
                _fail(f"client {client} sits on properties {clients[client]} and {prop['id']}")
            clients[client] = prop["id"]
        c = connection(world, prop)
        if bool(c) != bool(prop.get("drop")):
            _fail(f"property {prop['id']} has drop {prop.get('drop')} but its drop fiber is "
                  f"{'plugged into ' + c['id'] if c else 'in no splitter output'}")
        if c:
            key = (c["id"], c["port"])
            if key in ports:
                _fail(f"port {c['port']} of splitter {c['id']} is held by properties "
                      f"{ports[key]} and {prop['id']}")
            ports[key] = prop["id"]
            splitter = world.docs["splitters"][c["id"]]
            if not is_service(splitter) or splitter["parent"] != prop.get("box"):
                _fail(f"property {prop['id']} (box {prop.get('box')}) hangs on splitter "
                      f"{c['id']} of {splitter['parent']} (service: {is_service(splitter)})")


def _cables(world) -> None:
    """Drops belong to a property that points back; cables are listed on their end boxes."""
    properties = world.docs["properties"]
    for prop in properties.values():
        drop = world.docs["cables"].get(prop.get("drop")) if prop.get("drop") else None
        if prop.get("drop") and (drop is None or drop.get("boxB") != prop["id"]):
            _fail(f"property {prop['id']} has drop {prop['drop']}, which does not reach it")
    for cable in world.docs["cables"].values():
        if cable.get("boxA") in properties or cable.get("boxB") in properties:
            prop = properties.get(cable.get("boxB"))
            if prop is None or prop.get("drop") != cable["id"]:
                _fail(f"drop cable {cable['id']} is an orphan: property {cable.get('boxB')} "
                      f"has drop {(prop or {}).get('drop')}")
        for end in ("boxA", "boxB"):
            if cable.get(end) is None:
                continue
            route, box = world.lookup(BOX_LIKE, cable[end])
            listed = [box.get("drop")] if route == "properties" else (box or {}).get("cables")
            if box is None or cable["id"] not in (listed or ()):
                _fail(f"cable {cable['id']} ends at {cable[end]} ({end}), which does not list it")
        fibers = world.ids_where("fibers", "parent", cable["id"])
        if len(fibers) != cable["fiberNumber"]:
            _fail(f"cable {cable['id']} has {len(fibers)} fibers, fiberNumber {cable['fiberNumber']}")
    for stub in world.docs["cable-stubs"].values():
        ending = [c for c in stub.get("cables") or ()
                  if stub["id"] in ((world.docs["cables"].get(c) or {}).get("boxA"),
                                    (world.docs["cables"].get(c) or {}).get("boxB"))]
        if not ending or len(ending) != len(stub.get("cables") or ()):
            _fail(f"cable stub {stub['id']} lists cables {stub.get('cables')}, of which "
                  f"{ending} end at it (a stub is a loose end of at least one cable)")


def _ledger(world) -> None:
    """The port ledger equals a recount, and cached items agree with it."""
    recount: dict[str, list] = {}
    for splitter in world.docs["splitters"].values():
        if is_service(splitter):
            recount.setdefault(splitter["parent"], []).append(serving_entry(splitter))
    for holder in set(recount) | set(world.ports.available) | set(world.ports.holders()):
        expected = [entry[1:] for entry in sorted(recount.get(holder, ()))]
        if world.ports.serving(holder) != expected:
            _fail(f"the port ledger of {holder} says {world.ports.serving(holder)}, a recount "
                  f"{expected}")
        count = sum(len(ports) for _, _, ports in expected)
        if world.ports.available.get(holder, 0) != count:
            _fail(f"the port ledger counts {world.ports.available.get(holder, 0)} available "
                  f"ports in {holder}, a recount {count}")
    for holder, item in world.ports.cache.items():
        count = world.ports.available.get(holder, 0)
        if isinstance(item, dict) and item.get("availablePorts") != count:
            _fail(f"cached feasibility item of {holder} says {item.get('availablePorts')} "
                  f"available ports, the ledger {count}")
