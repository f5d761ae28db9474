"""Rules of what is patched inside boxes, buildings and POPs beyond splitters and joints
(docs/box-internals.md):

* DIOs — optical distribution frames: ``ratio`` positions (from their type), each an input
  (the cable's fibre) facing an output (a cord's or a drop's), ``{input, output}`` in
  ``connectables``; light crosses position *i* from input *i* to output *i*;
* switches — ``ratio`` ports (from their type), a list in ``connectables``; electrical: no
  light crosses them;
* passings — a fibre that crosses a box uncut: its two ends, ``[a, b]``; built by box
  structures, never through their own route;
* cords — patch cords: connectables like fibres, inside one box (``parent``), plugged into at
  most two elements of that box;
* shelves — racks: what is mounted on them names them in ``shelf``; their ``connectables`` is
  ``[null, [those elements]]``, derived at read time.
"""
from __future__ import annotations

from ...core.errors import RuleViolation
from ...core.rules import Rules
from ..catalogue import SHELVED
from ..wiring import unplug
from .inventory import Named
from .network import Wired


def _typed(world, values: dict, field: str, route: str) -> dict:
    """The type an element names (it must exist)."""
    return world.check_ref(field, values.get(field), (route,), None)


class Dios(Wired):
    type_field = "dioType"

    def shape(self, world, values):
        ratio = _typed(world, values, "dioType", "dio-types").get("ratio") or 1
        return ratio, ratio

    def prepare_create(self, world, resource, body, access):
        kind = _typed(world, body, "dioType", "dio-types")
        ratio, trays = kind.get("ratio") or 1, kind.get("tray_number") or 0
        body.setdefault("tray_number", trays)
        body.setdefault("port_labels", [str(i + 1) for i in range(ratio)])
        body.setdefault("tray_labels", [f"Bandeja {i + 1}" for i in range(trays)])
        body.setdefault("input_label", [f"{kind.get('input_label') or 'IN'} {i + 1}"
                                        for i in range(ratio)])
        body.setdefault("output_label", [f"{kind.get('output_label') or 'OUT'} {i + 1}"
                                         for i in range(ratio)])
        if kind.get("loss") is not None and not body.get("attenuation"):
            body["attenuation"] = [kind["loss"]] * ratio
        super().prepare_create(world, resource, body, access)

    def prepare_update(self, world, resource, doc, patch):
        if patch.get("dioType", doc["dioType"]) != doc["dioType"]:
            ratio = len(doc["connectables"]["input"])
            if self.shape(world, patch)[0] != ratio:
                raise RuleViolation(f"DIO {doc['id']} has {ratio} positions; its type can only "
                                    f"change to one with {ratio}", "DIO_TYPE_MISMATCH", "dioType")
        super().prepare_update(world, resource, doc, patch)


class Switches(Wired):
    type_field = "switchType"

    def shape(self, world, values):
        return _typed(world, values, "switchType", "switch-types").get("ratio") or 1

    def prepare_create(self, world, resource, body, access):
        kind = _typed(world, body, "switchType", "switch-types")
        body.setdefault("isDrop", bool(kind.get("isDrop")))
        body.setdefault("manageable", bool(kind.get("manageable")))
        body.setdefault("port_labels", [str(i + 1) for i in range(kind.get("ratio") or 1)])
        super().prepare_create(world, resource, body, access)

    def prepare_update(self, world, resource, doc, patch):
        if patch.get("switchType", doc["switchType"]) != doc["switchType"] and \
                self.shape(world, patch) != len(doc["connectables"]):
            raise RuleViolation(f"switch {doc['id']} has {len(doc['connectables'])} ports; its "
                                "type can only change to one with as many",
                                "SWITCH_TYPE_MISMATCH", "switchType")
        super().prepare_update(world, resource, doc, patch)


class Passings(Wired):
    def shape(self, world, values):
        return 2


class Cords(Rules):
    """A cord belongs to the box it is in (its project's); deleting it unplugs it."""

    def prepare_create(self, world, resource, body, access):
        parent = world.check_ref("parent", body.get("parent"), resource.refs["parent"], None)
        body["project"] = parent.get("project")
        body["connectors"] = []

    def before_delete(self, world, resource, doc):
        unplug(world, doc)


class Shelfs(Named):
    """A shelf is in a box, building or POP (its project's); what is mounted on it names it in
    ``shelf``, and a shelf holding anything cannot go (``ELEMENT_IN_USE``)."""
    type_field = "shelfType"

    def prepare_create(self, world, resource, body, access):
        super().prepare_create(world, resource, body, access)
        parent = world.check_ref("parent", body.get("parent"), resource.refs["parent"], None)
        body.setdefault("project", parent.get("project"))
        body.pop("connectables", None)

    def computed(self, world, doc):
        mounted = sorted(i for route in SHELVED for i in world.ids_where(route, "shelf", doc["id"]))
        return {"connectables": [None, mounted]}
