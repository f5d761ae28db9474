"""Rules of who may see what: what a user may reach through the API, roles and project groups,
and the references users and projects hold to them. (What a role or a group *permits* inside a
project is not modelled; these rules keep the references sound.)

* ``api_access``: a user without the ``API`` module is refused (403); one with
  ``allProjects: true`` reaches every project, any other only those of its ``projects[]``.

* A user names a ``role``, a ``role`` per project in ``projects[]`` and its groups in
  ``projectGroups[].group``: all must exist.
* A project group lists ``projects[].project`` (must exist). ``users`` on a create or an
  update is an instruction, never stored: the listed users are the group's members — each
  gets ``{group}`` in its ``projectGroups``, and an update removes it from users not listed.
* Deleting a role in use is refused; deleting a group removes it from its members.
"""
from __future__ import annotations

from ...core.errors import Forbidden, Invalid, RuleViolation
from ...core.rules import Rules
from ...core.world import Access


def api_access(user: dict) -> Access:
    """What ``user`` may reach through the API (module docstring)."""
    if "API" not in (user.get("resources") or ()):
        raise Forbidden(f"user {user.get('username')!r} has no access to the API module",
                        "API_MODULE_FORBIDDEN")
    if user.get("allProjects"):
        return Access(None, user)
    return Access({p["project"] for p in user.get("projects") or ()
                   if isinstance(p, dict) and p.get("project")}, user)


def check_memberships(world, values: dict) -> None:
    """The nested references of a user: ``projects[].project``/``.role``, ``projectGroups[].group``."""
    for i, item in enumerate(values.get("projects") or ()):
        if isinstance(item, dict):
            for field, route in (("project", "projects"), ("role", "roles")):
                if item.get(field) is not None:
                    world.check_ref(f"projects[{i}].{field}", item[field], (route,), None)
    for i, item in enumerate(values.get("projectGroups") or ()):
        if isinstance(item, dict) and item.get("group") is not None:
            world.check_ref(f"projectGroups[{i}].group", item["group"], ("project-groups",), None)


def refuse_if_listed(world, doc: dict, what: str, holders) -> None:
    """422 ELEMENT_IN_USE when an item of another document's list names ``doc``: ``holders``
    are (route, its label, list field, item key), e.g. ("users", "user", "projects", "role")."""
    for route, label, field, key in holders:
        holder = next((d["id"] for d in world.docs[route].values()
                       if any(isinstance(i, dict) and i.get(key) == doc["id"]
                              for i in d.get(field) or ())), None)
        if holder:
            raise RuleViolation(f"{what} {doc['id']} is still listed by {label} {holder} "
                                f"('{field}[].{key}'); remove it there first",
                                "ELEMENT_IN_USE", field)


class Roles(Rules):
    def before_delete(self, world, resource, doc):
        refuse_if_listed(world, doc, "Role", (("users", "user", "projects", "role"),))
        super().before_delete(world, resource, doc)


class ProjectGroups(Rules):
    @staticmethod
    def _members(world, values: dict):
        users = values.pop("users", None)
        if users is None:
            return None
        if not isinstance(users, list):
            raise Invalid("'users' must be an array of user ids", "INVALID_FIELD", "users")
        for i, user_id in enumerate(users):
            world.check_ref(f"users[{i}]", user_id, ("users",), None)
        return set(users)

    @staticmethod
    def _check(world, values: dict) -> None:
        for i, item in enumerate(values.get("projects") or ()):
            if isinstance(item, dict) and item.get("project") is not None:
                world.check_ref(f"projects[{i}].project", item["project"], ("projects",), None)

    @staticmethod
    def _join(world, group_id: str, members: set | None) -> None:
        """Make ``members`` exactly the users holding ``{group: group_id}``."""
        if members is None:
            return
        for user in list(world.docs["users"].values()):
            groups = user.get("projectGroups") or []
            has = any(isinstance(g, dict) and g.get("group") == group_id for g in groups)
            if user["id"] in members and not has:
                world.set_fields("users", user, {"projectGroups": groups + [{"group": group_id}]})
            elif user["id"] not in members and has:
                world.set_fields("users", user, {"projectGroups": [
                    g for g in groups if not (isinstance(g, dict) and g.get("group") == group_id)]})

    def create(self, world, resource, body, access):
        members = self._members(world, body := dict(body))
        self._check(world, body)
        doc = super().create(world, resource, body, access)
        self._join(world, doc["id"], members)
        return doc

    def update(self, world, resource, doc, patch, access):
        members = self._members(world, patch := dict(patch))
        self._check(world, patch)
        super().update(world, resource, doc, patch, access)
        self._join(world, doc["id"], members)

    def before_delete(self, world, resource, doc):
        self._join(world, doc["id"], set())
