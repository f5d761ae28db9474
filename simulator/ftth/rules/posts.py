"""Rules of posts and files (``ftth.posts``): a post names an existing element and takes its
project and the API user as owner; deleting a post deletes its files; a file deleted leaves
its post's ``files``."""
from __future__ import annotations

from ...core.rules import Rules
from ..posts import element_of


class Posts(Rules):
    def prepare_create(self, world, resource, body, access):
        element = element_of(world, body.get("element"))
        body.update(element={"kind": body["element"]["kind"], "id": element["id"]},
                    project=element.get("project"), files=[])
        body.setdefault("owner", (world.user or {}).get("id"))

    def before_delete(self, world, resource, doc):
        for file_id in doc.get("files") or ():
            if file_id in world.docs["files"]:
                world.remove("files", file_id)


class Files(Rules):
    def prepare_create(self, world, resource, body, access):
        body["project"] = (world.docs["posts"].get(body.get("post")) or {}).get("project")

    def before_delete(self, world, resource, doc):
        post = world.docs["posts"].get(doc.get("post"))
        if post is not None:
            world.set_fields("posts", post, {"files": [f for f in post["files"] if f != doc["id"]]})
