"""An in-process ``telegram.request.BaseRequest`` that talks straight to a FakeBotApi."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

from telegram.request import BaseRequest, RequestData

from .core import FakeBotApi

__all__ = ["SandboxRequest"]


class SandboxRequest(BaseRequest):
    """Route PTB's HTTP requests to a :class:`FakeBotApi` without any networking.

    ``Application.builder().token(api.token).request(SandboxRequest(api))
    .get_updates_request(SandboxRequest(api)).build()``
    """

    __slots__ = ("_read_timeout", "api")

    def __init__(self, api: FakeBotApi, *, read_timeout: float | None = 5.0) -> None:
        self.api = api
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        path = urlsplit(url).path
        if "/file/bot" in path:  # a download (getFile's file_path), as the server serves it
            token, _, file_path = path.split("/file/bot", 1)[1].partition("/")
            known = unquote(token) == self.api.token
            found = self.api.file_by_path(unquote(file_path)) if known else None
            if found is None:
                return 404, b"Not Found"
            return 200, found[1]
        marker = path.rfind("/bot")
        if marker < 0 or path.count("/", marker + 1) != 1:
            return 404, json.dumps(
                {"ok": False, "error_code": 404, "description": "Not Found"}
            ).encode()
        token, api_method = path[marker + 4 :].split("/", 1)
        params: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data is not None:
            params = dict(request_data.json_parameters)
            for field, value in request_data.multipart_data.items():
                filename, content = value[0], value[1]
                if not isinstance(content, bytes):
                    content = content.read()
                files[field] = (filename, content)
        status, body = await self.api.handle(unquote(token), api_method, params, files)
        return status, json.dumps(body).encode()
