"""Rules of the passive plant cables follow: the base points a path goes through (poles,
points, junction boxes — adjacent to one another, undirected), and ducts with their types.

A duct runs from ``edgeA`` through ``points`` to ``edgeB`` (base points); the server measures
its ``length``, numbers it among its siblings (``index``), copies its type's colours
(``typeColor``), and builds the sub-ducts a create names (``subDucts``: each a duct whose
``parent`` is the outermost duct and ``immediateParent`` the one holding it). Deleting a
duct deletes its sub-ducts.
"""
from __future__ import annotations

from ...core import geo
from ...core.errors import Invalid, RuleViolation
from ...core.rules import Rules
from ..catalogue import BASE_POINTS
from ..cables import base_point
from .inventory import Named


def check_sub_ducts(world, items, where: str = "subDucts") -> None:
    """Every ``ductType`` and ``color`` of a nested sub-duct structure must exist."""
    if items is None:
        return
    if not isinstance(items, list):
        raise Invalid(f"'{where}' must be an array", "INVALID_FIELD", where)
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise Invalid(f"'{here}' must be an object", "INVALID_FIELD", here)
        for field, route in (("ductType", "duct-types"), ("color", "colors")):
            if item.get(field) is not None:
                world.check_ref(f"{here}.{field}", item[field], (route,), None)
        check_sub_ducts(world, item.get("subDucts"), f"{here}.subDucts")


class DuctTypes(Rules):
    def prepare_create(self, world, resource, body, access):
        check_sub_ducts(world, body.get("subDucts"))

    def prepare_update(self, world, resource, doc, patch):
        check_sub_ducts(world, patch.get("subDucts"))


class Adjacent(Rules):
    """A base point's ``adjacents`` are mirrored on its neighbours (adjacency is undirected)."""

    def after_create(self, world, resource, doc):
        _mirror_adjacency(world, doc, [])

    def after_update(self, world, resource, doc, before):
        _mirror_adjacency(world, doc, before.get("adjacents") or [])

    def before_delete(self, world, resource, doc):
        _mirror_adjacency(world, {"id": doc["id"], "adjacents": []}, doc.get("adjacents") or [])
        world.set_fields(resource.route, doc, {"adjacents": []}, touch=False)
        self.refuse_if_referenced(world, resource, doc)


def _mirror_adjacency(world, point: dict, previous: list) -> None:
    point_id, now = point["id"], set(point.get("adjacents") or ())
    if point_id in now:
        raise RuleViolation("a point cannot be adjacent to itself", "SELF_ADJACENCY", "adjacents")
    for other in now ^ set(previous):
        route, neighbour = world.lookup(BASE_POINTS, other)
        if neighbour is None:
            continue
        listed = [a for a in neighbour.get("adjacents") or () if a != point_id]
        world.set_fields(route, neighbour,
                         {"adjacents": listed + ([point_id] if other in now else [])})


class Poles(Adjacent, Named):
    type_field = "poleType"


class Points(Adjacent):
    pass


class JunctionBoxes(Adjacent, Named):
    """Junction boxes are named from their type's ``prefix`` and drawn in its colour."""
    type_field = "junctionBoxType"

    def prepare_create(self, world, resource, body, access):
        super().prepare_create(world, resource, body, access)
        kind = world.check_ref("junctionBoxType", body.get("junctionBoxType"),
                               ("junction-box-types",), None)
        body["typeColor"] = kind.get("color")


class Ducts(Named):
    type_field = "ductType"

    def create(self, world, resource, body, access):
        subs = body.pop("subDucts", None)
        check_sub_ducts(world, subs)
        doc = super().create(world, resource, body, access)
        self._sub_ducts(world, resource, doc, subs or (), access)
        return doc

    def prepare_create(self, world, resource, body, access):
        super().prepare_create(world, resource, body, access)
        kind = world.check_ref("ductType", body.get("ductType"), ("duct-types",), None)
        config = kind.get("config") or {}
        body["typeColor"] = {"regular": (config.get("regular") or {}).get("color"),
                             "notImplanted": (config.get("notImplanted") or {}).get("color")}
        siblings = [d for d in world.docs["ducts"].values()
                    if d.get("immediateParent") == body.get("immediateParent")
                    and d.get("project") == body.get("project")]
        body["index"] = len(siblings) + 1
        body["length"] = self._length(world, body)

    def prepare_update(self, world, resource, doc, patch):
        if {"edgeA", "edgeB", "points"} & set(patch):
            patch["length"] = self._length(world, {**doc, **patch})

    @staticmethod
    def _length(world, values: dict) -> float:
        """Metres from ``edgeA`` through ``points`` to ``edgeB`` (the points that exist)."""
        ids = [values.get("edgeA"), *(values.get("points") or ()), values.get("edgeB")]
        coords = [p["coords"] for p in (base_point(world, i) for i in ids if i) if p]
        return round(sum(geo.distance_m(a[0], a[1], b[0], b[1])
                         for a, b in zip(coords, coords[1:])), 2)

    def _sub_ducts(self, world, resource, duct: dict, items, access) -> None:
        for item in items:
            sub = {k: duct[k] for k in ("project", "edgeA", "edgeB", "points", "implanted",
                                        "shared")}
            sub.update(ductType=item.get("ductType") or duct["ductType"], tags=[],
                       color=item.get("color"), parent=duct.get("parent") or duct["id"],
                       immediateParent=duct["id"])
            child = Rules.create(self, world, resource, sub, access)
            self._sub_ducts(world, resource, child, item.get("subDucts") or (), access)

    def before_delete(self, world, resource, doc):
        inner = [d for d in world.docs["ducts"].values() if d.get("immediateParent") == doc["id"]]
        for child in inner:
            self.before_delete(world, resource, child)
            world.remove("ducts", child["id"])
        super().before_delete(world, resource, doc)
