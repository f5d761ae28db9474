"""What the core knows of a collection (``Resource``) and of a read-only name over one
(``View``). A domain describes its collections with these; the core stores, indexes, checks
references and renders by them."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

OPERATIONS = ("create", "update", "delete")


@dataclass(frozen=True)
class Resource:
    route: str
    kind: str
    refs: dict = field(default_factory=dict)        # field -> target routes (a single id)
    list_refs: dict = field(default_factory=dict)   # field -> target routes (list of ids)
    defaults: dict = field(default_factory=dict)    # applied on create when absent
    immutable: tuple = ()                           # silently kept on update
    indexes: tuple = ()                             # equality indexes kept by the world
    point: bool = False                             # has `coords` ([lng, lat]) and a spatial index
    project_scoped: bool = True                     # carries a `project` field
    operations: tuple = OPERATIONS                  # what the API may do besides reading
    tag_type: str | None = None                     # value of Tag.allowedTypes for `tags`
    computed: tuple = ()                            # read-only fields derived at read time
    hidden: tuple = ()                              # stored, never rendered, filtered or sorted on
    # how a document without a ``project`` of its own is limited to a user's projects: "id"
    # (it is a project), or (route, field): it follows the documents of ``route`` whose
    # ``field`` holds its id (a client follows its property); () — visible to every user
    scoped_by: str | tuple = ()

    @property
    def indexed(self) -> tuple:
        """Every field with an equality index: the declared ones and ``external_id``."""
        return self.indexes + ("external_id",)

    def fresh_defaults(self) -> dict:
        return copy.deepcopy(self.defaults)


@dataclass(frozen=True)
class View:
    """A name the API serves over a route: the route itself, or the documents of the route
    whose fields equal ``where`` (``drops``: the cables of kind ``Drop``)."""
    route: str
    where: dict = field(default_factory=dict)
    kind: str | None = None                         # the kind named in "not found" answers

    @property
    def read_only(self) -> bool:
        return bool(self.where)

    def conditions(self, raw_filter):
        """The decoded filter array of a list request, with the view's conditions after it."""
        if not self.where or not isinstance(raw_filter, (list, type(None))):
            return raw_filter
        return list(raw_filter or ()) + [{"property": k, "operator": "=", "value": v}
                                         for k, v in self.where.items()]

    def shows(self, doc: dict) -> bool:
        return all(doc.get(k) == v for k, v in self.where.items())
