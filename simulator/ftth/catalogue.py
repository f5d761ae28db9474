"""The FTTH catalogue: what each OZmap collection is, what it references, its defaults —
plus the groups of collections the rules speak of, the read-only views, the polygon models
of ``within`` filters and the tenant settings.

One ``Resource`` per route of ``/api/v2``. The wire format (field names, types, enums) is
owned by ``contracts/ozmap.yaml``; this table holds what the *rules* need: the ``kind``
literal, reference fields and the collections they may point to, server defaults, which
fields are immutable after creation, which fields are indexed, whether documents have a
point, and which writes the API takes. Rules beyond that (ports, drops, power) live in the
resource's rules class (``ftth.rules``).
"""
from __future__ import annotations

from ..core.resource import Resource, View

# groups of collections, named once
BASE_BOXES = ("boxes", "buildings", "pops")           # what holds equipment and cable ends
BOX_LIKE = BASE_BOXES + ("properties",)               # what a cable may end at
HOLDERS = ("boxes", "buildings")                      # where clients are served from
WIRED = ("splitters", "connectors", "fusions", "pons")  # what holds fibres (``connectables``)


def _r(route, kind, **kw) -> Resource:
    return Resource(route, kind, **kw)


PROJECT_DEFAULTS = {
    "parents": [], "lat": 0, "lng": 0, "hasLogo": False, "identifier": None,
    "defaultPonPotency": None, "defaultDropSize": None, "area": None,
    "drop": {"maxSize": 200, "type": {"cableType": None}, "defaults": {"cableType": None}},
    "hierarchyLevels": {"box": {"POP": 1, "CE": 2, "CTO": 3},
                        "cable": {"PRIMÁRIO": 1, "SECUNDÁRIO": 2, "DROP": 3}},
}

# connectors and fusions: one fibre in, one fibre out (`connectables` is set by the behaviour)
JOINT_DEFAULTS = {"name": None, "label": None, "index": None, "size": None, "shelf": None,
                  "observation": None, "attenuation": [], "implanted": True, "isDrop": False,
                  "tags": []}

RESOURCES: dict[str, Resource] = {r.route: r for r in [
    _r("projects", "Project", project_scoped=False, scoped_by="id", defaults=PROJECT_DEFAULTS),
    _r("users", "User", project_scoped=False, indexes=("username", "apiKey"), hidden=("password",),
       defaults={"allUsers": False, "allProjects": False, "email_confirmed": False,
                 "resources": [], "projects": [],
                 "projectGroups": [], "phone": None, "observation": None, "locale": None,
                 "browserData": None, "role": None}),
    _r("tags", "Tag", project_scoped=False, defaults={"allowedTypes": []}),
    _r("colors", "Color", project_scoped=False),
    _r("box-types", "BoxType", project_scoped=False,
       defaults={"default_reserve": 0, "prefix": "CX ", "brand": None, "mold": None,
                 "description": None, "default_level": None, "default_template": None,
                 "config": {"base": {"color": "#3388FFFF"}, "regular": {"fillColor": "#3388FFFF"},
                            "not_implanted": {"fillColor": "#FFA500A6"},
                            "draft": {"fillColor": "#FFA500A6"}}}),
    _r("boxes", "Box", point=True, tag_type="box", indexes=("project", "pole"),
       refs={"project": ("projects",), "boxType": ("box-types",), "pole": ("poles",),
             "color": ("colors",), "fill_color": ("colors",)},
       list_refs={"tags": ("tags",)}, immutable=("project", "template", "max_distance"),
       defaults={"draft": False, "certified": False, "shared": False, "default_reserve": 0,
                 "tags": [], "cables": [], "underground": False, "history": [], "pole": None,
                 "address": None, "observation": None, "color": None, "fill_color": None,
                 "template": "589de1d126324a2564a6c4d0", "max_distance": None}),
    _r("splitter-types", "SplitterType", project_scoped=False,
       defaults={"isBalanced": True, "prefix": "Splitter ", "size": 0, "brand": None,
                 "mold": None, "description": None}),
    _r("splitters", "Splitter", tag_type="splitter.ports", indexes=("parent",),
       computed=("olt", "slot", "pon", "currentPower", "installPower"),
       refs={"parent": BASE_BOXES, "splitterType": ("splitter-types",)},
       immutable=("project",),
       defaults={"implanted": True, "label": None, "observation": None, "index": None,
                 "size": None, "shelf": None, "orientation": "right"}),
    _r("building-types", "BuildingType", project_scoped=False,
       defaults={"prefix": "PR ", "description": None,
                 "config": {"implanted": {"color": "#08641CFF"},
                            "not_implanted": {"color": "#FFA500A6"}}}),
    _r("buildings", "Building", point=True, tag_type="building", indexes=("project",),
       refs={"project": ("projects",), "buildingType": ("building-types",), "pole": ("poles",),
             "color": ("colors",)},
       list_refs={"tags": ("tags",)}, immutable=("project", "template"),
       defaults={"implanted": True, "tags": [], "hasProblem": False, "cables": [], "pole": None,
                 "address": None, "observation": None, "color": None, "template": None}),
    _r("horizontal-condominiums", "HorizontalCondominium", tag_type="horizontalCondominium",
       refs={"project": ("projects",)}, list_refs={"tags": ("tags",)},
       defaults={"tags": [], "name": None, "observation": None, "address": None, "color": None}),
    _r("pole-types", "PoleType", project_scoped=False,
       defaults={"prefix": "P_", "viabilityAllowed": True, "color": "#3388FF", "description": None}),
    _r("poles", "Pole", point=True, project_scoped=False, tag_type="pole",
       refs={"poleType": ("pole-types",), "color": ("colors",)},
       list_refs={"adjacents": ("poles",), "tags": ("tags",)},
       defaults={"usable": True, "adjacents": [], "licensing": {"status": 0, "protocol": None},
                 "address": None, "observation": "", "color": None, "tags": []}),
    _r("cable-types", "CableType", project_scoped=False,
       defaults={"fiberNumber": 12, "looseNumber": 1, "base_loss": 0.35, "fiberProfile": None,
                 "description": None,
                 "config": {"regular": {"color": "#3388FFFF", "weight": 3},
                            "not_implanted": {"color": "#FFA500A6", "weight": 3}}}),
    _r("cables", "Cable", tag_type="cable", indexes=("boxA", "boxB"),
       refs={"project": ("projects",), "cableType": ("cable-types",), "boxA": BOX_LIKE,
             "boxB": BOX_LIKE, "color": ("colors",)},
       list_refs={"tags": ("tags",)}, immutable=("project",),
       defaults={"boxA": None, "boxB": None, "name": None, "observation": None,
                 "orientationA": None, "orientationB": None, "color": None, "tags": [],
                 "poles": [], "ducts": [], "index": None}),
    _r("fibers", "Fiber", indexes=("parent",), refs={"parent": ("cables",)},
       operations=("update",),                      # fibres come and go with their cable
       immutable=("parent", "project", "fiberNumber", "isDrop", "connectors"),
       defaults={"name": None, "observation": None, "connectors": [], "isDrop": False}),
    _r("connector-types", "ConnectorType", project_scoped=False,
       defaults={"loss": 0.5, "isDrop": False, "description": None}),
    _r("connectors", "Connector", indexes=("parent",),
       refs={"parent": BASE_BOXES, "connectorType": ("connector-types",)},
       list_refs={"tags": ("tags",)}, immutable=("project",), defaults=JOINT_DEFAULTS),
    _r("fusion-types", "FusionType", project_scoped=False,
       defaults={"loss": 0.1, "isDrop": False, "description": None}),
    _r("fusions", "Fusion", indexes=("parent",),
       refs={"parent": BASE_BOXES, "fusionType": ("fusion-types",)},
       list_refs={"tags": ("tags",)}, immutable=("project",), defaults=JOINT_DEFAULTS),
    _r("pop-types", "PopType", project_scoped=False,
       defaults={"hierarchyLevel": 1, "prefix": "POP ", "description": None,
                 "color": {"implanted": "#3388FF", "notImplanted": "#FFA500", "draft": "#FFA500"}}),
    _r("pops", "Pop", point=True, tag_type="pop", indexes=("project",),
       refs={"project": ("projects",), "popType": ("pop-types",), "pole": ("poles",)},
       list_refs={"tags": ("tags",)}, immutable=("project",),
       defaults={"draft": False, "shared": False, "certified": False, "name": None,
                 "observation": None, "address": None, "pole": None, "structureOrder": [],
                 "tags": [], "cables": []}),
    _r("olt-types", "OLTType", project_scoped=False,
       defaults={"brand": None, "mold": None, "description": None, "size": None, "prefix": "OLT ",
                 "defaultPotency": 0, "defaultClients": None, "slots": []}),
    _r("olts", "OLT", indexes=("parent",),
       refs={"parent": BASE_BOXES, "project": ("projects",), "oltType": ("olt-types",)},
       immutable=("project",),
       defaults={"label": "", "implanted": True, "ip": None, "port": 22, "user": None,
                 "password": None, "snmp": None, "tr069": None, "index": None, "size": None,
                 "observation": None, "attenuation": [], "isDrop": False, "shelf": None}),
    _r("slots", "Slot", indexes=("olt",), refs={"olt": ("olts",), "parent": BASE_BOXES},
       immutable=("olt", "project"),
       defaults={"name": None, "label": None, "index": None, "size": None, "shelf": None,
                 "observation": None, "attenuation": [], "implanted": True}),
    _r("pons", "PON", indexes=("slot",),
       refs={"slot": ("slots",), "project": ("projects",), "parent": BASE_BOXES},
       immutable=("slot", "project"),
       defaults={"potency": 0, "maximumClients": None, "label": None, "index": None, "size": None,
                 "shelf": None, "observation": None, "attenuation": [], "implanted": True,
                 "isDrop": False}),
    _r("properties", "Property", point=True, tag_type="property",
       indexes=("box", "client", "project", "drop"),
       refs={"project": ("projects",), "box": ("boxes", "buildings"), "pole": ("poles",),
             "client": ("ftth-clients",)},
       list_refs={"tags": ("tags",)}, immutable=("project",),
       computed=("connections", "cables", "potencyCalculated"),
       defaults={"address": None, "name": None, "box": None, "pole": None, "client": None,
                 "potencyRead": None, "observation": None, "tags": [], "parent": None,
                 "drop": None, "history": {"clients": []}}),
    _r("ftth-clients", "FTTHClient", project_scoped=False, scoped_by=("properties", "client"),
       tag_type="client", indexes=("code",),
       list_refs={"tags": ("tags",)},
       defaults={"code": None, "name": None, "observation": None, "implanted": False,
                 "certified": False, "status": 0, "cpe": None, "tags": [],
                 "onu": {"user_PPPoE": "", "serial_number": "", "mac_address": ""}}),
    _r("prospects", "Prospect", project_scoped=False, tag_type="prospect",
       list_refs={"tags": ("tags",)},
       defaults={"name": None, "code": None, "phone": None, "address": None,
                 "observation": None, "coords": None, "viable": None, "tags": []}),
    _r("pendency-types", "PendencyType", project_scoped=False,
       defaults={"color": "#ffdd00", "description": None}),
    _r("pendencies", "Pendency", point=True, tag_type="pendency",
       refs={"owner": ("users",), "project": ("projects",), "pendencyType": ("pendency-types",),
             "color": ("colors",)},
       list_refs={"responsibles": ("users",), "tags": ("tags",)},
       defaults={"name": None, "description": None, "color": None, "responsibles": [],
                 "tags": [], "solved": False, "convertedTo": None}),
]}


VIEWS = {"drops": View("cables", {"kind": "Drop"}, kind="Drop")}

POLYGON_MODELS = {"project": ("projects", "area"),     # `within` by reference: model -> field
                  "horizontalCondominium": ("horizontal-condominiums", "polygon")}

DEFAULT_SETTINGS = {
    "defaultRadius": 150.0,          # feasibility radius when the request gives none (m)
    "poleSearchRadius": 100.0,       # pole feasibility: nearest usable pole within (m)
    "defaultPonPotency": 0.0,        # PON launch power when neither PON nor project says (dBm)
    "connectorLoss": 0.5,            # a connectorised splitter output (dB)
    "dropConnectorLoss": 0.5,        # field connector at the end of a drop (dB)
}
