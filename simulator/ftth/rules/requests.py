"""Rules of change requests (``ftth.requests``): what a new request names must exist, and
only a pending request changes."""
from __future__ import annotations

from ...core.errors import Invalid
from ...core.geo import validate_coords
from ...core.rules import Rules
from ..requests import ELEMENTS, next_code, pending


class ChangeRequests(Rules):
    def prepare_create(self, world, resource, body, access):
        body.update(code=next_code(world), createdBy=(world.user or {}).get("id"))
        if not isinstance(body.get("structure", {}), (dict, type(None))):
            raise Invalid("'structure' must be an object {topology, design}", "INVALID_FIELD",
                          "structure")

    def prepare_update(self, world, resource, doc, patch):
        pending(doc)


class BoxStructureRequests(ChangeRequests):
    """A proposed structure for a box or building: ``element`` must exist (its project is the
    request's)."""

    def prepare_create(self, world, resource, body, access):
        super().prepare_create(world, resource, body, access)
        element = body.get("element") or {}
        route = ELEMENTS.get(element.get("kind"))
        if route is None:
            raise Invalid("'element.kind' must be box or building", "INVALID_FIELD", "element.kind")
        target = world.check_ref("element.id", element.get("id"), (route,), None)
        body.update(kind="BoxStructure", project=target.get("project"),
                    element={"id": target["id"], "kind": element["kind"]})


class BoxCreateRequests(ChangeRequests):
    """A proposed new box: ``boxData`` names an existing box type and project, and a position."""

    def prepare_create(self, world, resource, body, access):
        super().prepare_create(world, resource, body, access)
        data = dict(body.get("boxData") or {})
        world.check_ref("boxData.boxType", data.get("boxType"), ("box-types",), None)
        world.check_ref("boxData.project", data.get("project"), ("projects",), None)
        data["coords"] = validate_coords(data.get("coords"), "boxData.coords")
        body.update(kind="BoxCreate", project=data["project"], boxData=data,
                    element={"id": None, "kind": "box"})
