"""Rules of polygon reports (``ftth.reports``): the summary inside the polygon is computed on
create and whenever the polygon changes, as the key that makes the change sees the world."""
from __future__ import annotations

from ...core.rules import Rules
from ..reports import recompute


class PolygonReports(Rules):
    def prepare_create(self, world, resource, body, access):
        recompute(world, body, access=access)

    def after_create(self, world, resource, doc):
        data = doc["data"]
        world.set_fields(resource.route, doc, {"data": {
            **data, "id": doc["id"], "pendencies": {**data["pendencies"], "id": doc["id"]}}},
            touch=False)

    def update(self, world, resource, doc, patch, access):
        super().update(world, resource, doc, patch, access)
        if "polygon" in patch:
            values = {"polygon": doc["polygon"]}
            recompute(world, values, doc["id"], access)
            world.set_fields(resource.route, doc, values, touch=False)
