"""Rules of the active equipment: OLT → slots → PONs, each level listing the next in
``connectables``; a PON lists there the fibres leaving it."""
from __future__ import annotations

from ...core.rules import Rules
from ..wiring import check_wiring, held_fibers, mirror, unplug_element
from .inventory import Named


class Chained(Rules):
    """OLT → slots → PONs: each level lists the next in ``connectables``."""

    parent_route: str = ""
    parent_field: str = ""

    def prepare_create(self, world, resource, body, access):
        parent = world.docs[self.parent_route].get(body.get(self.parent_field) or "")
        if parent is not None:
            body.setdefault("project", parent.get("project"))
            body.setdefault("parent", parent.get("parent"))

    def after_create(self, world, resource, doc):
        parent = world.docs[self.parent_route][doc[self.parent_field]]
        world.set_fields(self.parent_route, parent,
                         {"connectables": parent.get("connectables", []) + [doc["id"]]}, touch=False)

    def after_delete(self, world, resource, doc):
        parent = world.docs[self.parent_route].get(doc[self.parent_field])
        if parent is not None:
            world.set_fields(self.parent_route, parent,
                             {"connectables": [c for c in parent.get("connectables", [])
                                               if c != doc["id"]]}, touch=False)


class Olts(Named):
    type_field = "oltType"

    def prepare_create(self, world, resource, body, access):
        super().prepare_create(world, resource, body, access)
        body.setdefault("connectables", [])


class Slots(Chained):
    parent_route, parent_field = "olts", "olt"

    def prepare_create(self, world, resource, body, access):
        super().prepare_create(world, resource, body, access)
        body.setdefault("connectables", [])


class Pons(Chained):
    """PONs list the fibres leaving them in ``connectables`` (writable in the domain)."""
    parent_route, parent_field = "slots", "slot"

    def prepare_create(self, world, resource, body, access):
        wiring = body.pop("connectables", None)
        super().prepare_create(world, resource, body, access)
        body["connectables"] = ([] if wiring is None else
                                check_wiring(world, wiring, None, body.get("project"),
                                             parent=body.get("parent")))

    def after_create(self, world, resource, doc):
        super().after_create(world, resource, doc)
        mirror(world, doc["id"], [], held_fibers("pons", doc))

    def prepare_update(self, world, resource, doc, patch):
        if "connectables" in patch:
            patch["connectables"] = check_wiring(world, patch["connectables"], None,
                                                 doc.get("project"), "pons", doc, doc.get("parent"))

    def after_update(self, world, resource, doc, before):
        mirror(world, doc["id"], held_fibers("pons", before), held_fibers("pons", doc))

    def after_delete(self, world, resource, doc):
        super().after_delete(world, resource, doc)
        unplug_element(world, "pons", doc)
