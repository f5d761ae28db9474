"""Fibre wiring: what holds each fibre (or cord), kept in step both ways.

Elements that hold fibres and cords — splitters, connectors, fusions, PONs, DIOs, switches,
passings (``catalogue.WIRED``) — list them in ``connectables``; every fibre or cord
(``catalogue.CONNECTABLES``) lists in ``connectors`` the elements it is plugged into
(docs/ftth-model.md, "Fibres and what holds them"; cords: docs/box-internals.md). A
``connectables`` value is ``{input: [...], output: [...]}`` (sides of fixed sizes), a list of
fixed size (switch ports, the two ends of a passing), or a PON's list of any size. This
module validates ``connectables``, mirrors every change, plugs and unplugs, and answers where
a property's drop is connected.
"""
from __future__ import annotations

from ..core.errors import Invalid, RuleViolation
from ..core.world import check_object_id
from .catalogue import CONNECTABLES, WIRED


def held_fibers(route: str, doc: dict) -> list[str]:
    """Every fibre or cord id an element holds, inputs first."""
    wiring = doc.get("connectables")
    if isinstance(wiring, list):
        return [f for f in wiring if f]
    wiring = wiring or {}
    return [f for side in ("input", "output") for f in wiring.get(side) or () if f]


def connectable(world, connectable_id) -> tuple[str | None, dict | None]:
    """(route, doc) of the fibre or cord with this id (fibres first: most are)."""
    doc = world.docs["fibers"].get(connectable_id)
    if doc is not None:
        return "fibers", doc
    doc = world.docs["cords"].get(connectable_id)
    return ("cords", doc) if doc is not None else (None, None)


def drop_owner(world, fiber_id: str) -> dict | None:
    """The property whose drop cable holds this fibre (a client fibre), else None."""
    fiber = world.docs["fibers"].get(fiber_id)
    holders = world.ids_where("properties", "drop", fiber["parent"]) if fiber else ()
    return world.docs["properties"][min(holders)] if holders else None


def check_wiring(world, value, sizes: tuple | int | None, project, route: str | None = None,
                 element: dict | None = None, parent: str | None = None):
    """A validated ``connectables`` value for ``element`` (None while creating it): sides of
    ``sizes`` (n_in, n_out), a list of ``sizes`` items (an int), or a PON's list (None).

    Each fibre or cord must exist in the element's project, appear once, join at most two
    elements, and not be a property's drop (drops are connected through /properties); a cord
    only reaches elements of its own box (``parent``, the element's).
    """
    where = "connectables"
    if sizes is None or isinstance(sizes, int):
        if not isinstance(value, list) or (sizes is not None and len(value) != sizes):
            count = "" if sizes is None else f"{sizes} "
            raise Invalid(f"'{where}' must be an array of {count}fiber or cord ids (or nulls)",
                          "INVALID_FIELD", where)
        slots = [(f"{where}[{i}]", f) for i, f in enumerate(value)]
    else:
        if not isinstance(value, dict):
            raise Invalid(f"'{where}' must be an object {{input: [...], output: [...]}}",
                          "INVALID_FIELD", where)
        slots = []
        for side, size in zip(("input", "output"), sizes):
            items = value.get(side)
            if not isinstance(items, list) or len(items) != size:
                raise Invalid(f"'{where}.{side}' must be an array of {size} fiber ids or nulls",
                              "INVALID_FIELD", f"{where}.{side}")
            slots += [(f"{where}.{side}[{i}]", f) for i, f in enumerate(items)]
    current = set(held_fibers(route, element)) if element else set()
    own_id = element["id"] if element else None
    seen = set()
    for field, fiber_id in slots:
        if fiber_id is None:
            continue
        check_object_id(fiber_id, field)
        fiber = world.check_ref(field, fiber_id, CONNECTABLES, project)
        if fiber["kind"] == "Cord" and parent is not None and fiber["parent"] != parent:
            raise RuleViolation(f"cord {fiber_id} is in {fiber['parent']}, not in {parent}: a cord "
                                "joins elements of its own box", "CORD_ELSEWHERE", field)
        if fiber_id in seen:
            raise RuleViolation(f"fiber {fiber_id} appears twice in '{where}'",
                                "FIBER_ALREADY_PLUGGED", field)
        seen.add(fiber_id)
        others = [c for c in fiber["connectors"] if c != own_id]
        if len(others) >= 2:
            raise RuleViolation(f"fiber {fiber_id} already joins {others[0]} and {others[1]}; "
                                "a fiber has two ends", "FIBER_ALREADY_PLUGGED", field)
        owner = drop_owner(world, fiber_id)
        if owner and fiber_id not in current:
            raise RuleViolation(f"fiber {fiber_id} is the drop of property {owner['id']}; "
                                "connect properties through /properties", "DROP_FIBER", field)
    return [f for _, f in slots] if not isinstance(sizes, tuple) else {
        side: list(value[side]) for side in ("input", "output")}


def mirror(world, element_id: str, before: list, after: list) -> None:
    """Keep the ``connectors`` of fibres and cords in step after an element's connectables
    changed from before to after."""
    for fiber_id in set(before) - set(after):
        route, fiber = connectable(world, fiber_id)
        if fiber:
            world.set_fields(route, fiber, {"connectors": [c for c in fiber["connectors"]
                                                           if c != element_id]})
    for fiber_id in set(after) - set(before):
        route, fiber = connectable(world, fiber_id)
        world.set_fields(route, fiber, {"connectors": fiber["connectors"] + [element_id]})


def plug(world, splitter: dict, port: int, fiber_id: str | None) -> None:
    """Set output ``port`` (1-based) of a splitter to a fibre (or None), mirroring the fibre."""
    output = list(splitter["connectables"]["output"])
    before = output[port - 1]
    output[port - 1] = fiber_id
    world.set_fields("splitters", splitter,
                     {"connectables": {**splitter["connectables"], "output": output}})
    mirror(world, splitter["id"], [before] if before else [], [fiber_id] if fiber_id else [])


def unplug(world, fiber: dict) -> None:
    """Pull a fibre or cord out of every element holding it."""
    for element_id in fiber["connectors"]:
        route, element = world.lookup(WIRED, element_id)
        if element is None:
            continue
        wiring = element["connectables"]
        if route == "pons":
            wiring = [f for f in wiring if f != fiber["id"]]
        elif isinstance(wiring, list):
            wiring = [None if f == fiber["id"] else f for f in wiring]
        else:
            wiring = {side: [None if f == fiber["id"] else f for f in wiring[side]]
                      for side in ("input", "output")}
        world.set_fields(route, element, {"connectables": wiring})
    world.set_fields("fibers" if fiber["kind"] == "Fiber" else "cords", fiber, {"connectors": []})


def unplug_element(world, route: str, doc: dict) -> None:
    mirror(world, doc["id"], held_fibers(route, doc), [])


def connection(world, prop: dict) -> dict | None:
    """Where a property is connected — ``{id, kind, name, port, implanted, fiber}`` of the
    splitter output holding its drop fibre — or None. Derived from the drop at read time."""
    drop = prop.get("drop")
    fiber_ids = world.ids_where("fibers", "parent", drop) if drop else ()
    for fiber_id in fiber_ids:
        for element_id in world.docs["fibers"][fiber_id]["connectors"]:
            splitter = world.docs["splitters"].get(element_id)
            output = splitter["connectables"]["output"] if splitter else ()
            if fiber_id in output:
                return {"id": splitter["id"], "kind": "Splitter", "name": splitter.get("name"),
                        "port": output.index(fiber_id) + 1, "implanted": True, "fiber": fiber_id}
    return None
