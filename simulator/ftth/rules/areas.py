"""Rules of the areas drawn on the map: regions and their types. A region outlines an area
of one or several projects (``within`` filters name it as ``{"model": "region", "id"}``)."""
from __future__ import annotations

from ...core.rules import Rules


class RegionTypes(Rules):
    """A region type's border is drawn in its colour unless it names one of its own."""

    def prepare_create(self, world, resource, body, access):
        if body.get("borderColor") is None:
            body["borderColor"] = body.get("color") or resource.defaults["color"]
