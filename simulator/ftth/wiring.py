"""Fibre wiring: what holds each fibre, kept in step both ways.

Elements that hold fibres — splitters, connectors, fusions, PONs (``catalogue.WIRED``) —
list them in ``connectables``; every fibre lists in ``connectors`` the elements it is
plugged into (docs/ftth-model.md, "Fibres and what holds them"). This module validates
``connectables``, mirrors every change onto the fibres, plugs and unplugs, and answers where
a property's drop is connected.
"""
from __future__ import annotations

from ..core.errors import Invalid, RuleViolation
from ..core.world import check_object_id
from .catalogue import WIRED


def held_fibers(route: str, doc: dict) -> list[str]:
    """Every fibre id an element holds, inputs first."""
    wiring = doc.get("connectables")
    if route == "pons":
        return [f for f in wiring or () if f]
    wiring = wiring or {}
    return [f for side in ("input", "output") for f in wiring.get(side) or () if f]


def drop_owner(world, fiber_id: str) -> dict | None:
    """The property whose drop cable holds this fibre (a client fibre), else None."""
    fiber = world.docs["fibers"].get(fiber_id)
    holders = world.ids_where("properties", "drop", fiber["parent"]) if fiber else ()
    return world.docs["properties"][min(holders)] if holders else None


def check_wiring(world, value, sizes: tuple | None, project, route: str | None = None,
                 element: dict | None = None):
    """A validated ``connectables`` value (a PON's list when ``sizes`` is None) for ``element``
    (None while creating it).

    Each fibre must exist in the element's project, appear once, join at most two elements,
    and not be a property's drop (drops are connected through /properties).
    """
    where = "connectables"
    if sizes is None:
        if not isinstance(value, list):
            raise Invalid(f"'{where}' of a PON must be an array of fiber ids", "INVALID_FIELD", where)
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
        fiber = world.check_ref(field, fiber_id, ("fibers",), project)
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
    return [f for _, f in slots] if sizes is None else {side: list(value[side])
                                                        for side in ("input", "output")}


def mirror(world, element_id: str, before: list, after: list) -> None:
    """Keep fibre ``connectors`` in step after an element's fibres changed from before to after."""
    for fiber_id in set(before) - set(after):
        fiber = world.docs["fibers"].get(fiber_id)
        if fiber:
            world.set_fields("fibers", fiber, {"connectors": [c for c in fiber["connectors"]
                                                              if c != element_id]})
    for fiber_id in set(after) - set(before):
        fiber = world.docs["fibers"][fiber_id]
        world.set_fields("fibers", fiber, {"connectors": fiber["connectors"] + [element_id]})


def plug(world, splitter: dict, port: int, fiber_id: str | None) -> None:
    """Set output ``port`` (1-based) of a splitter to a fibre (or None), mirroring the fibre."""
    output = list(splitter["connectables"]["output"])
    before = output[port - 1]
    output[port - 1] = fiber_id
    world.set_fields("splitters", splitter,
                     {"connectables": {**splitter["connectables"], "output": output}})
    mirror(world, splitter["id"], [before] if before else [], [fiber_id] if fiber_id else [])


def unplug(world, fiber: dict) -> None:
    """Pull a fibre out of every element holding it."""
    for element_id in fiber["connectors"]:
        route, element = world.lookup(WIRED, element_id)
        if element is None:
            continue
        wiring = element["connectables"]
        if route == "pons":
            wiring = [f for f in wiring if f != fiber["id"]]
        else:
            wiring = {side: [None if f == fiber["id"] else f for f in wiring[side]]
                      for side in ("input", "output")}
        world.set_fields(route, element, {"connectables": wiring})
    world.set_fields("fibers", fiber, {"connectors": []})


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
