"""The offline address resolver (ftth.addresses): free text, fields, nearest to a point."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ozsim.core.errors import Invalid
from ozsim.ftth import addresses
from ozsim.ftth.addresses import CEP_RANGES, parse, postcode
from ozsim.ftth.domain import frozen_clock, new_world
from ozsim.generator import build_world

from .fixtures import north, type_id

FLN = (-48.55, -27.60)
SJO = (-48.63, -27.60)


class Place:
    """A world with one project; ``box``/``building``/``prop`` add elements with an address."""

    def __init__(self):
        self.world = w = new_world(clock=frozen_clock())
        self.project = w.create("projects", {"name": "P"})["id"]
        self.cto = type_id(w, "box-types", "CTO")

    def box(self, address, coords, **extra):
        return self.world.create("boxes", {"project": self.project, "boxType": self.cto,
                                           "coords": coords, "address": address, **extra})

    def building(self, address, coords):
        return self.world.create("buildings", {
            "project": self.project, "coords": coords, "address": address,
            "buildingType": type_id(self.world, "building-types", "Edifício residencial")})

    def prop(self, address, coords):
        return self.world.create("properties", {"project": self.project, "coords": coords,
                                                "address": address})


@pytest.fixture
def place():
    p = Place()
    p.box("Rua XV de Novembro, 100 - Centro, Florianópolis - SC", north(0, 0, FLN))
    p.box("Rua XV de Novembro, 120 - Centro, Florianópolis - SC", north(20, 0, FLN))
    p.box("Rua XV de Novembro, 480 - Trindade, Florianópolis - SC", north(380, 0, FLN))
    p.box("Rua XV de Novembro, 118 - Kobrasol, São José - SC", north(18, 0, SJO))
    p.box("Avenida Hercílio Luz, 57 - Centro, Florianópolis - SC", north(0, 200, FLN))
    p.box("Travessa Ratcliff, 12, Centro, Florianópolis/SC, 88015-120", north(50, 50, FLN))
    return p


def summary(items):
    return [(i["street"], i["number"], i["city"]) for i in items]


# ---- parsing and postcodes ------------------------------------------------------------------
def test_parse_reads_the_generated_and_common_shapes():
    assert parse("Rua Tiradentes, 120 - Centro, Florianópolis - SC") == addresses.Parsed(
        "Rua Tiradentes", "120", "Centro", "Florianópolis", "SC", None)
    assert parse("Rua Tiradentes, 120 - Centro, Florianópolis - SC, Apto 304") == addresses.Parsed(
        "Rua Tiradentes", "120", "Centro", "Florianópolis", "SC", None)
    assert parse("Av. Beira Mar 4500, Trindade, Florianópolis/SC 88036-000") == addresses.Parsed(
        "Av. Beira Mar", "4500", "Trindade", "Florianópolis", "SC", "88036-000")
    assert parse("Rua das Flores, s/n, Centro, Palhoça - SC").number is None
    assert parse("Rua das Flores") == addresses.Parsed("Rua das Flores", None, None, None, None,
                                                       None)
    for not_an_address in ("Florianópolis - SC", "", "  ,  ", None, 42, {"street": "x"}, "Rua"):
        assert parse(not_an_address) is None


def test_postcodes_are_deterministic_per_street_and_inside_the_state_range():
    a = postcode("Florianópolis", "SC", "Rua Tiradentes")
    assert a == postcode("Florianópolis", "SC", "Rua Tiradentes")
    assert a != postcode("São José", "SC", "Rua Tiradentes")
    for uf, (lo, hi) in CEP_RANGES.items():
        code = postcode("Cidade", uf, "Rua Um")
        assert len(code) == 9 and code[5] == "-" and lo <= int(code[:5]) <= hi, (uf, code)


def test_postcode_is_the_same_whatever_the_spelling():
    assert postcode("florianopolis", "sc", "R. Tiradentes") == \
        postcode("Florianópolis", "SC", "Rua Tiradentes")


# ---- resolve ---------------------------------------------------------------------------------
def test_resolve_finds_the_exact_address_first_with_its_item(place):
    found = addresses.resolve(place.world, "Rua XV de Novembro, 120 - Centro, Florianópolis - SC")
    box = next(b for b in place.world.docs["boxes"].values() if "120 - Centro" in b["address"])
    assert found[0] == {
        "address": "Rua XV de Novembro, 120 - Centro, Florianópolis - SC",
        "street": "Rua XV de Novembro", "number": "120", "neighbourhood": "Centro",
        "city": "Florianópolis", "uf": "SC",
        "postcode": postcode("Florianópolis", "SC", "Rua XV de Novembro"),
        "coords": box["coords"], "source": {"route": "boxes", "id": box["id"]}}
    assert len(found) == 4 and "Avenida Hercílio Luz" not in {i["street"] for i in found}


@pytest.mark.parametrize("text", [
    "r. xv de novembro 120 florianopolis",
    "RUA XV DE NOVEMBRO, Nº 120, FLORIANÓPOLIS",
    "Rua Quinze... no: xv de Novembro 120 Florianopolis SC",
    "Rua XV de Novenbro 120, Florianopolis",               # a typo
    "xv novembro 121 centro florianópolis",                  # the nearest number
])
def test_resolve_tolerates_abbreviations_case_accents_and_typos(place, text):
    assert summary(addresses.resolve(place.world, text, 1)) == [
        ("Rua XV de Novembro", "120", "Florianópolis")]


def test_resolve_ranks_city_then_number(place):
    assert summary(addresses.resolve(place.world, "Rua XV de Novembro 118, São José", 2)) == [
        ("Rua XV de Novembro", "118", "São José"), ("Rua XV de Novembro", "120", "Florianópolis")]
    assert summary(addresses.resolve(place.world, "XV de Novembro 470", 3)) == [
        ("Rua XV de Novembro", "480", "Florianópolis"),
        ("Rua XV de Novembro", "120", "Florianópolis"),
        ("Rua XV de Novembro", "118", "São José")]


def test_resolve_without_a_number_proposes_one_address_per_street(place):
    found = addresses.resolve(place.world, "Rua XV de Novembro")
    assert sorted(summary(found)) == [("Rua XV de Novembro", "100", "Florianópolis"),
                                      ("Rua XV de Novembro", "118", "São José")]


def test_resolve_uses_a_written_cep(place):
    found = addresses.resolve(place.world, "88015-120")
    assert summary(found) == [("Travessa Ratcliff", "12", "Florianópolis")]
    assert found[0]["postcode"] == "88015-120"
    derived = postcode("São José", "SC", "Rua XV de Novembro")
    assert summary(addresses.resolve(place.world, f"XV de Novembro 120 {derived}", 1)) == [
        ("Rua XV de Novembro", "118", "São José")]


def test_resolve_needs_a_known_street(place):
    for text in ("Florianópolis - SC", "Rua Inexistente 120, Florianópolis", "", "   ", "120"):
        assert addresses.resolve(place.world, text) == [], text
    assert addresses.resolve(place.world, "XV de Novembro", 0) == []
    with pytest.raises(Invalid) as bad:
        addresses.resolve(place.world, ["Rua"])
    assert bad.value.field == "address"
    with pytest.raises(Invalid):
        addresses.resolve(place.world, "Rua XV", "5")


def test_one_item_per_address_read_from_the_preferred_source():
    p = Place()
    home = "Rua Bocaiúva, 2000 - Centro, Florianópolis - SC"
    p.prop(f"{home}, Apto 101", north(5, 0, FLN))
    building = p.building(home, north(0, 0, FLN))
    p.prop(f"{home}, Apto 102", north(5, 0, FLN))
    p.box(home, north(1, 0, FLN))
    found = addresses.resolve(p.world, home)
    assert len(found) == 1 and found[0]["address"] == home
    assert found[0]["source"] == {"route": "buildings", "id": building["id"]}
    assert found[0]["coords"] == building["coords"]


def test_gated_communities_are_located_by_their_outline():
    p = Place()
    square = [north(0, 0, FLN), north(0, 100, FLN), north(100, 100, FLN), north(100, 0, FLN)]
    condo = p.world.create("horizontal-condominiums", {
        "project": p.project, "tags": [], "name": "Jardim",
        "address": "Rua das Acácias, 10 - Campeche, Florianópolis - SC",
        "polygon": {"type": "Polygon", "coordinates": [square + [square[0]]]}})
    [item] = addresses.resolve(p.world, "Rua das Acacias 10")
    assert item["source"] == {"route": "horizontal-condominiums", "id": condo["id"]}
    assert item["coords"] == pytest.approx(north(50, 50, FLN), abs=1e-6)


# ---- structured ------------------------------------------------------------------------------
def test_structured_matches_fields(place):
    world = place.world
    assert summary(addresses.structured(world, "XV de Novembro", "118", None, "São José", 1)) == [
        ("Rua XV de Novembro", "118", "São José")]
    assert summary(addresses.structured(world, "R XV de Novembro", "100", None, limit=1)) == [
        ("Rua XV de Novembro", "100", "Florianópolis")]
    cep = postcode("Florianópolis", "SC", "Avenida Hercílio Luz")
    assert summary(addresses.structured(world, None, None, cep.replace("-", ""))) == [
        ("Avenida Hercílio Luz", "57", "Florianópolis")]
    assert summary(addresses.structured(world, None, "57", "88015120")) == [
        ("Travessa Ratcliff", "12", "Florianópolis")]
    # the city names the place, not the street: "Centro" is no street
    assert addresses.structured(world, None, "100", None, "Florianópolis") == []
    assert addresses.structured(world, "Centro", "100", None, None) == []


def test_structured_refuses_malformed_fields(place):
    for kwargs, field in (({"postcode": "8801"}, "postcode"), ({"number": "cem"}, "number"),
                          ({"street": ["XV"]}, "street"), ({"city": 3.5}, "city")):
        args = {"street": "XV de Novembro", "number": None, "postcode": None, **kwargs}
        with pytest.raises(Invalid) as bad:
            addresses.structured(place.world, **args)
        assert bad.value.field == field


# ---- locate ----------------------------------------------------------------------------------
def test_locate_answers_the_nearest_known_address(place):
    item = addresses.locate(place.world, *north(375, 3, FLN))
    assert (item["street"], item["number"]) == ("Rua XV de Novembro", "480")
    item = addresses.locate(place.world, *north(16, 0, SJO))
    assert item["city"] == "São José"
    assert addresses.locate(new_world(), -48.5, -27.6) is None
    for lng, lat, field in ((-200, 0, "lng"), (0, 95, "lat"), ("x", 0, "lng"),
                            (0, float("nan"), "lat"), (True, 0, "lng")):
        with pytest.raises(Invalid) as bad:
            addresses.locate(place.world, lng, lat)
        assert bad.value.field == field


# ---- the book follows the world --------------------------------------------------------------
def test_the_book_follows_creates_updates_and_deletes(place):
    world = place.world
    assert addresses.resolve(world, "Rua Lauro Linhares 800") == []        # book built here
    box = place.box("Rua Lauro Linhares, 800 - Trindade, Florianópolis - SC", north(900, 0, FLN))
    assert summary(addresses.resolve(world, "Lauro Linhares 800")) == [
        ("Rua Lauro Linhares", "800", "Florianópolis")]
    world.update("boxes", box["id"], {"address": "Rua Deputado Antônio Edu Vieira, 10 - "
                                                 "Pantanal, Florianópolis - SC"})
    assert addresses.resolve(world, "Lauro Linhares 800") == []
    assert addresses.resolve(world, "Dep. Antonio Edu Vieira 10")[0]["source"]["id"] == box["id"]
    world.update("boxes", box["id"], {"coords": north(10, 10, SJO)})
    assert addresses.locate(world, *north(10, 10, SJO))["source"]["id"] == box["id"]
    world.delete("boxes", box["id"])
    assert addresses.resolve(world, "Dep. Antonio Edu Vieira 10") == []
    assert addresses.locate(world, *north(10, 10, SJO))["city"] == "São José"


@given(street=st.sampled_from(["Rua Tiradentes", "Avenida Rio Branco", "Servidão das Flores",
                               "Travessa São João", "Rodovia SC-401"]),
       number=st.integers(1, 9999), hood=st.sampled_from(["Centro", "Estreito", "Coqueiros"]),
       city=st.sampled_from([("Florianópolis", "SC"), ("Curitiba", "PR"), ("Pelotas", "RS")]),
       others=st.lists(st.integers(1, 9999), max_size=4))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_stored_address_resolves_to_itself_first(street, number, hood, city, others):
    p = Place()
    text = f"{street}, {number} - {hood}, {city[0]} - {city[1]}"
    for k, other in enumerate(others):                     # neighbours on the same street
        p.box(f"{street}, {other} - {hood}, {city[0]} - {city[1]}", north(k, 1, FLN))
    box = p.box(text, north(0, 0, FLN))
    [first] = addresses.resolve(p.world, text, 1)
    assert first["address"] == text and first["number"] == str(number)
    [same] = addresses.structured(p.world, street, str(number), first["postcode"],
                                  f"{city[0]}/{city[1]}", 1)
    assert same == first
    if number not in others:
        assert first["source"]["id"] == box["id"]


def test_every_generated_address_resolves_to_itself_and_the_world_is_unchanged():
    world = build_world("demo", seed=3)
    before = {r: {i: d.get("address") for i, d in world.docs[r].items()} for r in addresses.ROUTES}
    checked = 0
    for route in addresses.ROUTES:
        for doc in world.docs[route].values():
            parsed = parse(doc.get("address"))
            if parsed is None:
                continue
            [first] = addresses.resolve(world, doc["address"], 1)
            assert first["address"] == addresses.display(parsed)
            checked += 1
    assert checked > 200
    assert before == {r: {i: d.get("address") for i, d in world.docs[r].items()}
                      for r in addresses.ROUTES}
