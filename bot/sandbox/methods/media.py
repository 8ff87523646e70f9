"""Files and media: documents, photos, getFile (uploads are kept for download and tests)."""

from __future__ import annotations

import mimetypes
import re

from ..protocol import bad
from ..state import World
from .base import MethodGroup, api_method
from .messages import caption_fields, send

__all__ = ["MediaMethods", "image_size", "photo_sizes"]

_FILE_ID_PREFIX = {"document": "BQACAgSandbox", "photo": "AgACAgSandbox"}


def store_file(world: World, kind: str, filename: str, content: bytes) -> dict:
    n = next(world.file_counter)
    ext = "." + filename.rsplit(".", 1)[1] if "." in filename else ""
    record = {
        "file_id": f"{_FILE_ID_PREFIX[kind]}{n:08d}",
        "file_unique_id": f"AQAD{n:08d}",
        "file_name": filename,
        "mime_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
        "file_size": len(content),
        "file_path": f"{kind}s/file_{n}{ext}",
        "content": content,
        "kind": kind,
    }
    world.files[record["file_id"]] = record
    return record


def input_file(world: World, kind: str, params: dict, files: dict) -> dict:
    """The file a send method names: an upload, "attach://<name>", a file_id or a URL."""
    value = params.get(kind)
    upload = None
    if kind in files:
        upload = files[kind]
    elif isinstance(value, str) and value.startswith("attach://"):
        upload = files.get(value[len("attach://") :])
        if upload is None:
            raise bad(f"wrong file identifier/HTTP URL specified ({value} is missing)")
    if upload is not None:
        filename, content = upload
        if not content:
            raise bad("file must be non-empty")
        return store_file(world, kind, filename or kind, bytes(content))
    if not value:
        raise bad(f"there is no {kind} in the request")
    if isinstance(value, str) and value in world.files:
        return world.files[value]
    if isinstance(value, str) and re.match(r"^https?://", value):
        name = value.rstrip("/").rsplit("/", 1)[-1] or kind
        return store_file(world, kind, name, b"")
    raise bad("wrong file identifier/HTTP URL specified")


class MediaMethods(MethodGroup):
    @api_method("sendDocument")
    def send_document(self, params: dict, files: dict) -> dict:
        chat = self.world.chat_for_send(params)
        record = input_file(self.world, "document", params, files)
        fields = caption_fields(params)
        document = {
            k: record[k]
            for k in ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
        }
        return send(self.world, chat, params, document=document, **fields)

    @api_method("sendPhoto")
    def send_photo(self, params: dict, files: dict) -> dict:
        chat = self.world.chat_for_send(params)
        record = input_file(self.world, "photo", params, files)
        fields = caption_fields(params)
        width, height = image_size(record["content"])
        # "The photo's width and height must not exceed 10000 in total. Width and height
        # ratio must be at most 20."
        if width + height > 10000 or max(width, height) > 20 * max(1, min(width, height)):
            raise bad("PHOTO_INVALID_DIMENSIONS")
        photo = [
            {
                "file_id": record["file_id"],
                "file_unique_id": record["file_unique_id"],
                "file_size": record["file_size"],
                "width": w,
                "height": h,
            }
            for w, h in photo_sizes(width, height)
        ]
        return send(self.world, chat, params, photo=photo, **fields)

    @api_method("getFile")
    def get_file(self, params: dict, files: dict) -> dict:
        record = self.world.files.get(str(params.get("file_id") or ""))
        if record is None:
            raise bad("invalid file_id")
        return {k: record[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}


PHOTO_SIDES = (90, 320, 800, 1280)


def photo_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The sizes Telegram keeps of a photo, smallest first: thumbnails whose longest side is
    90, 320 and 800 px, and the photo itself, scaled down to 1280 px on its longest side."""
    longest = max(width, height, 1)
    sizes = []
    for side in PHOTO_SIDES:
        if longest <= side:
            sizes.append((width, height))
            break
        sizes.append(
            (max(1, round(width * side / longest)), max(1, round(height * side / longest)))
        )
    return sizes


def image_size(content: bytes) -> tuple[int, int]:
    """Width/height of PNG or JPEG content; a plausible default otherwise."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(content):
            if content[i] != 0xFF:
                break
            marker = content[i + 1]
            length = int.from_bytes(content[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                h = int.from_bytes(content[i + 5 : i + 7], "big")
                w = int.from_bytes(content[i + 7 : i + 9], "big")
                return w, h
            i += 2 + length
    return 512, 512
