"""Posts and their files (docs/box-internals.md): notes with photos pinned on a network
element. A post names its element (``{kind, id}``: a property, box, building, cable, drop,
network connector, pole, pendency, junction box or duct — it must exist) and takes its
project; files are uploaded to a post, their bytes kept in the tenant's world (plain data:
snapshots keep them) up to the ``fileStorageLimit`` setting (413 beyond), and served back.
"""
from __future__ import annotations

import base64

from ..core.errors import Invalid, RuleViolation, TooLarge
from ..core.world import ALL_ACCESS, locked
from .catalogue import NETWORK_CONNECTORS

ELEMENTS = {"property": ("properties",), "box": ("boxes",), "building": ("buildings",),
            "cable": ("cables",), "drop": ("cables",), "networkConnector": NETWORK_CONNECTORS,
            "pole": ("poles",), "pendency": ("pendencies",), "junctionBox": ("junction-boxes",),
            "duct": ("ducts",)}


def element_of(world, element) -> dict:
    """The document a post is about (``{kind, id}``), 422 when it does not exist."""
    if not isinstance(element, dict) or element.get("kind") not in ELEMENTS:
        raise Invalid(f"'element.kind' must be one of {', '.join(ELEMENTS)}", "INVALID_FIELD",
                      "element.kind")
    doc = world.check_ref("element.id", element.get("id"), ELEMENTS[element["kind"]], None)
    if element["kind"] in ("cable", "drop") and (doc["kind"] == "Drop") != (element["kind"] == "drop"):
        raise RuleViolation(f"'element.id' is a {doc['kind'].lower()}, not a {element['kind']}",
                            "ELEMENT_KIND_MISMATCH", "element.kind")
    return doc


@locked
def add_files(world, body: dict, uploads: list, access=ALL_ACCESS) -> list[dict]:
    """``POST /files``: ``uploads`` ([(file name, content type, bytes)]) added to the post
    ``body["element"]`` names; the new files, rendered."""
    element = body.get("element") if isinstance(body.get("element"), dict) else {}
    if element.get("kind") != "post":
        raise Invalid("'element.kind' must be post: files are uploaded to a post",
                      "INVALID_FIELD", "element.kind")
    post = world.check_ref("element.id", element.get("id"), ("posts",), None)
    world.get("posts", post["id"], access)                    # 403 outside the key's projects
    if not uploads:
        raise Invalid("'files' is required: send at least one file", "MISSING_FIELD", "files")
    stored = sum(f.get("size") or 0 for f in world.docs["files"].values())
    incoming = sum(len(data) for _, _, data in uploads)
    limit = world.settings["fileStorageLimit"]
    if stored + incoming > limit:
        raise TooLarge(f"the tenant keeps {stored} bytes of files; {incoming} more would pass its "
                       f"limit of {limit} bytes", "FILE_STORAGE_FULL", "files")
    files = [world.create("files", {"name": name, "contentType": kind, "size": len(data),
                                    "post": post["id"], "element": {"kind": "post", "id": post["id"]},
                                    "content": base64.b64encode(data).decode("ascii")}, access)
             for name, kind, data in uploads]
    world.set_fields("posts", post, {"files": post["files"] + [f["id"] for f in files]})
    return [world.render("files", f) for f in files]


@locked
def file_content(world, file_id, access=ALL_ACCESS) -> tuple[bytes, str, str]:
    """(bytes, content type, file name) of an uploaded file."""
    doc = world.get("files", file_id, access)
    return (base64.b64decode(doc["content"]), doc.get("contentType") or "application/octet-stream",
            doc.get("name") or doc["id"])
