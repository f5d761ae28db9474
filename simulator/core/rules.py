"""The rules every resource shares, and the hooks a domain overrides.

``Rules`` implements the generic create/update/delete (defaults, referential integrity,
``external_id`` uniqueness, project access, refusing to delete what is still referenced).
A domain subclasses it for resources with rules of their own and hands the core one
``Rules`` per route (``Domain.rules``).
"""
from __future__ import annotations

from .errors import Forbidden, Invalid, RuleViolation
from .resource import Resource

# fields the server owns: never taken from a request body
SERVER_FIELDS = frozenset({"id", "_id", "__v", "kind", "createdAt", "updatedAt", "creatorData",
                           "deletedAt", "lat", "lng"})


def positioned(resource: Resource, values: dict) -> dict:
    """``values`` with a position sent as ``lat``/``lng`` turned into ``coords`` ([lng, lat]),
    for resources with coordinates; ``lat``/``lng`` win over ``coords`` when both are sent.
    Other resources keep ``lat``/``lng`` as unknown (server) fields."""
    if not resource.has_coords or ("lat" not in values and "lng" not in values):
        return values
    missing = "lng" if "lat" in values else "lat"
    if missing not in values:
        raise Invalid(f"'{missing}' is required with '{'lat' if missing == 'lng' else 'lng'}': "
                      "a position is sent as both lat and lng, or as coords [lng, lat]",
                      "MISSING_FIELD", missing)
    values = dict(values)
    lat, lng = values.pop("lat"), values.pop("lng")
    values["coords"] = None if lat is None and lng is None else [lng, lat]
    return values


def merged(base, value):
    """``value`` laid over ``base``: nested objects merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(value, dict):
        out = dict(base)
        for key, item in value.items():
            out[key] = merged(base.get(key), item)
        return out
    return value


def referrers(resources, resource_route: str):
    """(route, field, is_list) of every reference field that may point at ``resource_route``."""
    for other in resources.values():
        for field, targets in other.refs.items():
            if resource_route in targets and field != "project":
                yield other.route, field, False
        for field, targets in other.list_refs.items():
            if resource_route in targets:
                yield other.route, field, True
        if other.project_scoped and resource_route == "projects":
            yield other.route, "project", False


class Rules:
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
        body = {k: v for k, v in positioned(resource, body).items() if k not in SERVER_FIELDS}
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
        patch = {k: v for k, v in positioned(resource, patch).items()
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
        for route, field, is_list in referrers(world.resources, resource.route):
            if (route, field) in world.indexes:
                holders = world.ids_where(route, field, doc_id)
                holder = min(holders) if holders else None
            else:
                holder = next((d["id"] for d in world.docs[route].values()
                               if (doc_id in (d.get(field) or ()) if is_list
                                   else d.get(field) == doc_id)), None)
            if holder:
                raise RuleViolation(
                    f"{resource.kind} {doc_id} is still referenced by {world.resources[route].kind} "
                    f"{holder} ('{field}'); remove that reference first",
                    "ELEMENT_IN_USE", field)
