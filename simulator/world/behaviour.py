"""Per-resource behaviour: the generic create/update/delete rules and their overrides.

``Behaviour`` implements what every resource shares (defaults, referential integrity,
``external_id`` uniqueness, project access, refusing to delete what is still referenced).
Resources with rules of their own subclass it; ``behaviours()`` maps every route to one.
"""
from __future__ import annotations

from .errors import Forbidden, RuleViolation
from .model import RESOURCES, Resource

# fields the server owns: never taken from a request body
SERVER_FIELDS = frozenset({"id", "_id", "__v", "kind", "createdAt", "updatedAt", "creatorData",
                           "deletedAt", "lat", "lng"})


def merged(base, value):
    """``value`` laid over ``base``: nested objects merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(value, dict):
        out = dict(base)
        for key, item in value.items():
            out[key] = merged(base.get(key), item)
        return out
    return value


def referrers(resource_route: str):
    """(route, field, is_list) of every reference field that may point at ``resource_route``."""
    for other in RESOURCES.values():
        for field, targets in other.refs.items():
            if resource_route in targets and field != "project":
                yield other.route, field, False
        for field, targets in other.list_refs.items():
            if resource_route in targets:
                yield other.route, field, True
        if other.project_scoped and resource_route == "projects":
            yield other.route, "project", False


class Behaviour:
    # -- hooks for subclasses ---------------------------------------------------------
    def prepare_create(self, world, resource: Resource, body: dict, access) -> None:
        """Derive server fields and check rules before the document is stored."""

    def after_create(self, world, resource: Resource, doc: dict) -> None:
        """Side effects once the document exists (e.g. link it into its parent)."""

    def prepare_update(self, world, resource: Resource, doc: dict, patch: dict) -> None:
        """Check and normalise a patch (already stripped of immutable/server fields)."""

    def after_update(self, world, resource: Resource, doc: dict, before: dict) -> None:
        """Side effects of an applied patch."""

    def before_delete(self, world, resource: Resource, doc: dict) -> None:
        """Refuse (422) or cascade. The default refuses while anything references ``doc``."""
        self.refuse_if_referenced(world, resource, doc)

    def after_delete(self, world, resource: Resource, doc: dict) -> None:
        """Side effects once the document is gone (e.g. unlink it from its parent)."""

    def decorate(self, world, doc: dict, out: dict) -> None:
        """Complete a rendered document: its computed fields, by default."""
        out.update(self.computed(world, doc))

    def computed(self, world, doc: dict) -> dict:
        """The read-only fields derived at read time (``Resource.computed``): rendered, and
        seen by filters and sorts that name them."""
        return {}

    def ref_targets(self, resource: Resource, field: str):
        """Routes a field may be populated from, or None when it is not a reference."""
        return resource.refs.get(field) or resource.list_refs.get(field)

    # -- the generic operations ---------------------------------------------------------
    def create(self, world, resource: Resource, body: dict, access) -> dict:
        body = {k: v for k, v in body.items() if k not in SERVER_FIELDS}
        self.prepare_create(world, resource, body, access)
        project = body.get("project")
        if resource.project_scoped and project and not access.allows({"project": project}):
            raise Forbidden(f"project {project} is outside this key's projects",
                            "PROJECT_FORBIDDEN", "project")
        world.check_refs(resource, body, project)
        self.check_external_id(world, resource, body)
        doc = merged(resource.fresh_defaults(), body)
        world.insert(resource.route, doc)
        self.after_create(world, resource, doc)
        return doc

    def update(self, world, resource: Resource, doc: dict, patch: dict, access) -> None:
        patch = {k: v for k, v in patch.items()
                 if k not in SERVER_FIELDS and k not in resource.immutable}
        self.prepare_update(world, resource, doc, patch)
        world.check_refs(resource, patch, doc.get("project"))
        self.check_external_id(world, resource, patch, doc["id"])
        before = dict(doc)
        patch = {k: merged(doc.get(k), v) for k, v in patch.items()}
        world.set_fields(resource.route, doc, patch)
        self.after_update(world, resource, doc, before)

    def delete(self, world, resource: Resource, doc: dict) -> None:
        self.before_delete(world, resource, doc)
        world.remove(resource.route, doc["id"])
        self.after_delete(world, resource, doc)

    # -- shared rules -------------------------------------------------------------------
    @staticmethod
    def check_external_id(world, resource: Resource, values: dict, own_id: str | None = None):
        external_id = values.get("external_id")
        if external_id is None or isinstance(external_id, (dict, list)):
            return
        holders = world.ids_where(resource.route, "external_id", external_id) - {own_id}
        if holders:
            raise RuleViolation(f"external_id {external_id!r} is already used by "
                                f"{resource.kind} {min(holders)}", "DUPLICATE_EXTERNAL_ID",
                                "external_id")

    @staticmethod
    def refuse_if_referenced(world, resource: Resource, doc: dict) -> None:
        doc_id = doc["id"]
        for route, field, is_list in referrers(resource.route):
            if (route, field) in world.indexes:
                holders = world.ids_where(route, field, doc_id)
                holder = min(holders) if holders else None
            else:
                holder = next((d["id"] for d in world.docs[route].values()
                               if (doc_id in (d.get(field) or ()) if is_list
                                   else d.get(field) == doc_id)), None)
            if holder:
                raise RuleViolation(
                    f"{resource.kind} {doc_id} is still referenced by {RESOURCES[route].kind} "
                    f"{holder} ('{field}'); remove that reference first",
                    "ELEMENT_IN_USE", field)


class Named(Behaviour):
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


class Projects(Behaviour):
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


class Users(Behaviour):
    """Usernames are unique; ``projects[].project`` must exist; the key's own API user cannot
    be deleted; passwords never leave (``Resource.hidden``)."""

    @staticmethod
    def _check(world, values: dict, own_id: str | None = None) -> None:
        holders = world.ids_where("users", "username", values.get("username")) - {own_id}
        if values.get("username") and holders:
            raise RuleViolation(f"username {values['username']!r} is already taken",
                                "DUPLICATE_USERNAME", "username")
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


class CableTypes(Behaviour):
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


class Chained(Behaviour):
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


class OltTypes(Behaviour):
    """Each slot template numbers its PONs from ``starting_pon_number`` (1 unless given)."""

    @staticmethod
    def _slots(values: dict):
        if isinstance(values.get("slots"), list):
            values["slots"] = [{"starting_pon_number": 1, **slot} for slot in values["slots"]]

    def prepare_create(self, world, resource, body, access):
        self._slots(body)

    def prepare_update(self, world, resource, doc, patch):
        self._slots(patch)


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
    parent_route, parent_field = "slots", "slot"

    def prepare_create(self, world, resource, body, access):
        super().prepare_create(world, resource, body, access)
        body.setdefault("connectables", [])


def behaviours() -> dict[str, Behaviour]:
    table = {route: Behaviour() for route in RESOURCES}
    table.update({"projects": Projects(), "boxes": Boxes(), "buildings": Buildings(), "poles": Poles(), "pops": Pops(),
                  "users": Users(), "cable-types": CableTypes(), "olt-types": OltTypes(), "olts": Olts(), "slots": Slots(), "pons": Pons()})
    from .network import network_behaviours   # the FTTH rules: ports, drops, clients, power
    table.update(network_behaviours())
    return table
