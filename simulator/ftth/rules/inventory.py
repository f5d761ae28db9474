"""Rules of the inventory around the network: named elements (boxes, buildings, POPs,
poles with their adjacency), projects, users and the types whose changes matter."""
from __future__ import annotations

from ...core.errors import RuleViolation
from ...core.rules import Rules


class Named(Rules):
    """Auto-names new elements from their type's ``prefix`` and a running number."""

    type_field: str = ""

    def prepare_create(self, world, resource, body, access):
        if not body.get("name") and self.type_field and body.get(self.type_field):
            type_route = resource.refs[self.type_field][0]
            kind_type = world.docs[type_route].get(body[self.type_field]) or {}
            prefix = kind_type.get("prefix") or f"{resource.kind} "
            body["name"] = f"{prefix}{len(world.docs[resource.route]) + 1}"


class Boxes(Named):
    type_field = "boxType"


class Buildings(Named):
    type_field = "buildingType"


class Poles(Named):
    type_field = "poleType"

    def after_update(self, world, resource, doc, before):
        _mirror_adjacency(world, doc, before.get("adjacents") or [])

    def after_create(self, world, resource, doc):
        _mirror_adjacency(world, doc, [])

    def before_delete(self, world, resource, doc):
        for other in list(doc.get("adjacents") or ()):
            neighbour = world.docs["poles"].get(other)
            if neighbour and doc["id"] in neighbour["adjacents"]:
                world.set_fields("poles", neighbour,
                                 {"adjacents": [a for a in neighbour["adjacents"] if a != doc["id"]]})
        doc["adjacents"] = []
        self.refuse_if_referenced(world, resource, doc)


def _mirror_adjacency(world, pole: dict, previous: list) -> None:
    """Adjacency is undirected: keep the neighbours' lists in step with this pole's."""
    pole_id, now = pole["id"], set(pole.get("adjacents") or ())
    if pole_id in now:
        raise RuleViolation("a pole cannot be adjacent to itself", "SELF_ADJACENCY", "adjacents")
    for other in now - set(previous):
        neighbour = world.docs["poles"][other]
        if pole_id not in neighbour["adjacents"]:
            world.set_fields("poles", neighbour, {"adjacents": neighbour["adjacents"] + [pole_id]})
    for other in set(previous) - now:
        neighbour = world.docs["poles"].get(other)
        if neighbour and pole_id in neighbour["adjacents"]:
            world.set_fields("poles", neighbour,
                             {"adjacents": [a for a in neighbour["adjacents"] if a != pole_id]})


class Pops(Named):
    type_field = "popType"


class Projects(Rules):
    """``drop.type`` and ``drop.defaults`` are two names of the same drop cable type."""

    @staticmethod
    def _mirror(world, values: dict, current: dict | None = None):
        drop = values.get("drop")
        if isinstance(drop, dict):
            old = (current or {}).get("drop") or {}
            given = ((drop.get("type") or {}).get("cableType") if "type" in drop else
                     (drop.get("defaults") or {}).get("cableType") if "defaults" in drop else
                     (old.get("type") or {}).get("cableType"))
            if given is not None:
                world.check_ref("drop.type.cableType", given, ("cable-types",), None)
            values["drop"] = {**drop, "type": {"cableType": given}, "defaults": {"cableType": given}}

    def prepare_create(self, world, resource, body, access):
        self._mirror(world, body)

    def prepare_update(self, world, resource, doc, patch):
        self._mirror(world, patch, doc)


class Users(Rules):
    """Usernames and API keys are unique; ``projects[].project`` must exist; the key's own API
    user cannot be deleted; passwords never leave (``Resource.hidden``)."""

    @staticmethod
    def _check(world, values: dict, own_id: str | None = None) -> None:
        for field, code in (("username", "DUPLICATE_USERNAME"), ("apiKey", "DUPLICATE_API_KEY")):
            value = values.get(field)
            if isinstance(value, str) and value and world.ids_where("users", field, value) - {own_id}:
                raise RuleViolation(f"{field} {value!r} is already taken", code, field)
        for i, item in enumerate(values.get("projects") or ()):
            if isinstance(item, dict) and item.get("project") is not None:
                world.check_ref(f"projects[{i}].project", item["project"], ("projects",), None)

    def prepare_create(self, world, resource, body, access):
        self._check(world, body)

    def prepare_update(self, world, resource, doc, patch):
        self._check(world, patch, doc["id"])

    def before_delete(self, world, resource, doc):
        if world.user is not None and doc["id"] == world.user["id"]:
            raise RuleViolation(f"user {doc['id']} is the API user of this key; the key would "
                                "act on behalf of nobody", "API_USER_IN_USE")
        super().before_delete(world, resource, doc)


class CableTypes(Rules):
    """A cable owns one fibre per ``fiberNumber`` of its type: a type in use keeps its count."""

    def prepare_update(self, world, resource, doc, patch):
        count = patch.get("fiberNumber", doc.get("fiberNumber"))
        if count != doc.get("fiberNumber"):
            users = [c["id"] for c in world.docs["cables"].values() if c["cableType"] == doc["id"]]
            if users:
                raise RuleViolation(f"cable type {doc['id']} is used by {len(users)} cable(s) "
                                    f"with {doc.get('fiberNumber')} fibers (e.g. {users[0]}); its "
                                    "fiberNumber cannot change", "FIBER_COUNT_MISMATCH",
                                    "fiberNumber")


class OltTypes(Rules):
    """Each slot template numbers its PONs from ``starting_pon_number`` (1 unless given)."""

    @staticmethod
    def _slots(values: dict):
        if isinstance(values.get("slots"), list):
            values["slots"] = [{"starting_pon_number": 1, **slot} for slot in values["slots"]]

    def prepare_create(self, world, resource, body, access):
        self._slots(body)

    def prepare_update(self, world, resource, doc, patch):
        self._slots(patch)
