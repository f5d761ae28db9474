"""Rules of the areas drawn on the map: regions and their types, horizontal condominiums. A
region outlines an area of one or several projects (``within`` filters name it as
``{"model": "region", "id"}``)."""
from __future__ import annotations

from ...core.geo import parse_polygon
from ...core.rules import Rules


class RegionTypes(Rules):
    """A region type's border is drawn in its colour unless it names one of its own."""

    def prepare_create(self, world, resource, body, access):
        if body.get("borderColor") is None:
            body["borderColor"] = body.get("color") or resource.defaults["color"]


class Areas(Rules):
    """A region's or condominium's ``polygon`` must be a simple area (a bow-tie is refused,
    422), as ``within`` filters will test points against it."""

    def prepare_create(self, world, resource, body, access):
        if body.get("polygon") is not None:
            parse_polygon(body["polygon"], "polygon")

    def prepare_update(self, world, resource, doc, patch):
        self.prepare_create(world, resource, patch, None)
