"""Rules of the passive plant cables follow: duct types, whose sub-duct structure names
other duct types and colours."""
from __future__ import annotations

from ...core.errors import Invalid
from ...core.rules import Rules


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
