"""The rules of every FTTH resource, one ``Rules`` per route, grouped by family:

* ``inventory`` — projects, users, types, and the named elements on the map (boxes,
  buildings, POPs);
* ``equipment`` — OLT → slots → PONs;
* ``network`` — splitters, connectors, fusions and cables;
* ``clients`` — properties and FTTH clients;
* ``access`` — roles and project groups, and the references users hold to them;
* ``areas`` — regions and their types, horizontal condominiums;
* ``paths`` — the passive plant cables follow: poles, points and junction boxes with their
  adjacency, ducts and their types;
* ``patching`` — DIOs, switches, passings, cords and shelves inside boxes;
* ``requests`` — change requests of box structures and new boxes;
* ``posts`` — posts pinned on elements, and their files;
* ``reports`` — polygon reports.

A new resource with rules of its own gets a class in its family's module and an entry in
``RULES``; one with only the generic rules needs nothing here.
"""
from __future__ import annotations

from ...core.rules import Rules
from ..catalogue import RESOURCES
from .access import ProjectGroups, Roles
from .areas import Areas, RegionTypes
from .clients import FtthClients, Properties
from .equipment import Olts, Pons, Slots
from .inventory import Boxes, Buildings, CableTypes, OltTypes, Pops, Projects, Users
from .network import Cables, Connectors, Fusions, Splitters
from .patching import Cords, Dios, Passings, Shelfs, Switches
from .paths import Ducts, DuctTypes, JunctionBoxes, Points, Poles
from .posts import Files, Posts
from .reports import PolygonReports
from .requests import BoxCreateRequests, BoxStructureRequests

RULES: dict[str, Rules] = {route: Rules() for route in RESOURCES}
RULES.update({
    "projects": Projects(), "users": Users(), "cable-types": CableTypes(),
    "olt-types": OltTypes(), "boxes": Boxes(), "buildings": Buildings(), "pops": Pops(),
    "poles": Poles(),
    "olts": Olts(), "slots": Slots(), "pons": Pons(),
    "splitters": Splitters(), "connectors": Connectors(), "fusions": Fusions(),
    "cables": Cables(),
    "properties": Properties(), "ftth-clients": FtthClients(),
    "roles": Roles(), "project-groups": ProjectGroups(), "region-types": RegionTypes(),
    "duct-types": DuctTypes(), "points": Points(), "junction-boxes": JunctionBoxes(),
    "ducts": Ducts(), "regions": Areas(), "horizontal-condominiums": Areas(),
    "dios": Dios(), "switches": Switches(), "passings": Passings(), "cords": Cords(),
    "shelfs": Shelfs(), "change-requests/box-structures": BoxStructureRequests(),
    "box-create-requests": BoxCreateRequests(), "posts": Posts(), "files": Files(),
    "reports/polygon": PolygonReports(),
})
