"""How the bot talks HTTP to the Bot API: python-telegram-bot's ``BaseRequest`` over aiohttp.

PTB's own ``HTTPXRequest`` works, but on a small machine httpx spends more CPU per call than
the bot's own work on the update: in profiles of ``make bench``'s updates benchmark, httpx and
httpcore were two thirds of the bot's CPU, a fifth of it httpcore looking at every idle
connection of its pool on every request. aiohttp (already ours: the webhook server and the
sandbox) keeps idle connections in a queue and parses HTTP in C. PTB documents
``BaseRequest`` for exactly this (``ptbcontrib`` ships an aiohttp one; it is not on PyPI).

What PTB's callers rely on is kept: the same defaults (5 s to connect, read and write, 1 s to
wait for a free connection, 20 s to write a file), ``TimedOut`` for a timeout and
``NetworkError`` for everything else the network does, the proxy from ``HTTPS_PROXY`` (and
``NO_PROXY``) as httpx reads it, form-encoded parameters and multipart uploads as PTB builds
them. The proxy is looked up once per host, not on every request as aiohttp's ``trust_env``
does (it reads the environment and ``~/.netrc`` each time: 8% of the bot's CPU).
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlencode, urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]

DefaultValue = type(BaseRequest.DEFAULT_NONE)  # PTB's "not given" marker
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}

NOT_SENT_MESSAGE = (
    "Timed out before the request was sent to Telegram (no free connection in the pool, or "
    "connecting took too long)."
)


class AiohttpRequest(BaseRequest):
    """One aiohttp session with up to ``connection_pool_size`` connections; made in
    :meth:`initialize` (on the running loop), closed in :meth:`shutdown`."""

    __slots__ = ("_limit", "_media_write_timeout", "_proxies", "_session", "_timeouts")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._limit = connection_pool_size
        self._timeouts = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
        }
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}  # (scheme, host): proxy

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                headers={"User-Agent": self.USER_AGENT},
            )
            self._proxies.clear()  # the environment may have changed since

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _proxy(self, url: str) -> str | None:
        """The proxy for ``url``'s host from the environment (``HTTPS_PROXY``, ``NO_PROXY``...),
        as httpx reads it; looked up once per host."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxies = urllib.request.getproxies()
            bypass = key[1] and urllib.request.proxy_bypass_environment(key[1], proxies)
            proxy = None if bypass else proxies.get(key[0]) or proxies.get("all")
            if proxy and "://" not in proxy:  # "proxy:3128", as curl and httpx take it
                proxy = f"http://{proxy}"
            self._proxies[key] = proxy
        return self._proxies[key]

    def _timeout(self, value: object, name: str) -> float | None:
        return self._timeouts[name] if isinstance(value, DefaultValue) else value  # type: ignore[return-value]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        read = self._timeout(read_timeout, "read")
        connect = self._timeout(connect_timeout, "connect")
        pool = self._timeout(pool_timeout, "pool")
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write_timeout if files else self._timeouts["write"]
        else:
            write = write_timeout
        # aiohttp has no write timeout: the whole request is bounded by the sum of its parts
        parts = (pool, connect, write, read)
        timeout = aiohttp.ClientTimeout(
            total=None if None in parts else sum(parts),  # type: ignore[arg-type]
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if files:
            # quote_fields=False: a file name in any script as written ("poster-Дом.pdf"), not
            # percent-encoded, which Telegram would show as the document's name
            data = aiohttp.FormData(fields or {}, quote_fields=False)
            for name, (filename, content, mimetype) in files.items():
                data.add_field(name, content, filename=filename, content_type=mimetype)
        elif fields:
            # encoded here at once (the parameters PTB already turned to JSON, not a second
            # time): aiohttp's FormData would build a multipart writer first
            data = urlencode(fields).encode()
            headers = FORM_HEADERS
        proxy = self._proxy(url)
        try:
            async with session.request(
                method, url, data=data, headers=headers, timeout=timeout, proxy=proxy
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            if isinstance(err, aiohttp.ConnectionTimeoutError):
                raise TimedOut(NOT_SENT_MESSAGE) from err
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # the class name helps when the message is empty; never the URL (it holds the token)
            raise NetworkError(f"aiohttp.{type(err).__name__}: {_without(err, url)}") from err


def _without(err: BaseException, url: str) -> str:
    text = str(err)
    return text.replace(url, "<Bot API URL>") if url else text
