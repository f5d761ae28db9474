"""The core's operations on a toy domain that knows no FTTH: views over several routes,
atomic operations (a refused write leaves nothing behind), positions sent as lat/lng."""
from __future__ import annotations

import pytest

from ozsim.core.errors import Invalid, NotFound, RuleViolation
from ozsim.core.resource import Resource, View
from ozsim.core.rules import Rules
from ozsim.core.world import Domain, World


class Picky(Rules):
    """Stores the document, touches a sibling, then refuses names starting with 'bad'."""

    def after_create(self, world, resource, doc):
        for other in world.docs["shops"].values():
            if other is not doc:
                world.set_fields("shops", other, {"neighbours": other.get("neighbours", 0) + 1})
        if doc.get("name", "").startswith("bad"):
            world.remove("shops", doc["id"])
            raise RuleViolation("bad names are refused", "BAD_NAME", "name")


RESOURCES = {r.route: r for r in [
    Resource("shops", "Shop", point=True, project_scoped=False, indexes=("name",)),
    Resource("kiosks", "Kiosk", point=True, project_scoped=False),
    Resource("notes", "Note", project_scoped=False, defaults={"coords": None}),
]}
DOMAIN = Domain(resources=RESOURCES, rules={"shops": Picky(), "kiosks": Rules(), "notes": Rules()},
                views={"places": View(("shops", "kiosks"), kind="Place")})


@pytest.fixture
def world():
    return World(DOMAIN)


def test_a_view_over_several_routes_lists_reads_and_pages_in_creation_order(world):
    made = [world.create(route, {"name": f"{route}-{i}", "coords": [i, i]})
            for i, route in enumerate(["kiosks", "shops", "kiosks", "shops"])]
    total, rows = world.query("places", limit=3)
    assert total == 4 and [r["id"] for r in rows] == [d["id"] for d in made[:3]]
    assert [r["kind"] for r in rows] == ["Kiosk", "Shop", "Kiosk"]
    total, rows = world.query("places", [{"property": "name", "operator": "like", "value": "shops"}],
                              sort=[("name", -1)])
    assert total == 2 and [r["name"] for r in rows] == ["shops-3", "shops-1"]
    assert world.read("places", made[2]["id"])["name"] == "kiosks-2"
    with pytest.raises(NotFound) as missing:
        world.read("places", "0123456789abcdef01234567")
    assert "Place" in missing.value.message
    with pytest.raises(Exception) as refused:
        world.writable("places", "create")
    assert refused.value.status == 405


def test_a_refused_create_undoes_every_write_it_made(world):
    first = world.create("shops", {"name": "ok", "coords": [1, 2]})
    before = {"docs": {r: dict(d) for r, d in world.docs.items()},
              "first": dict(first), "tombstones": dict(world.tombstones["shops"])}
    with pytest.raises(RuleViolation):
        world.create("shops", {"name": "bad one", "coords": [3, 4]})
    assert {r: dict(d) for r, d in world.docs.items()} == before["docs"]
    assert first == before["first"] and "neighbours" not in first      # the sibling's change too
    assert world.tombstones["shops"] == before["tombstones"]
    assert world.ids_where("shops", "name", "bad one") == set()       # indexes follow
    assert [i for _, i in world.spatial["shops"].within(3, 4, 1000)] == []


def test_nested_atomic_blocks_join_the_outer_one(world):
    with pytest.raises(RuntimeError):
        with world.atomic():
            world.create("kiosks", {"name": "k"})
            with world.atomic():
                world.create("kiosks", {"name": "l"})
            raise RuntimeError("refused after both")
    assert world.docs["kiosks"] == {}


def test_positions_sent_as_lat_lng_become_coords_and_win(world):
    shop = world.create("shops", {"name": "s", "lat": -27.5, "lng": -48.5})
    assert shop["coords"] == [-48.5, -27.5] and "lat" not in shop
    world.update("shops", shop["id"], {"coords": [1, 1], "lat": 2, "lng": 3})
    assert shop["coords"] == [3, 2]
    note = world.create("notes", {"lat": 1, "lng": 2})         # coordinates without a point index
    assert note["coords"] == [2, 1]
    with pytest.raises(Invalid) as half:
        world.create("shops", {"name": "t", "lat": 1})
    assert (half.value.code, half.value.field) == ("MISSING_FIELD", "lng")
