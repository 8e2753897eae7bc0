"""Turning a response body into text safely: bounded decompression (a few kilobytes of
gzip or brotli can expand to gigabytes, so output is capped while it is produced, never
after) and charset detection (BOM, then the declared charset, then <meta>, then sniffing)."""

from __future__ import annotations

import codecs
import re
import zlib
from typing import Protocol

import brotli
import charset_normalizer

from services.fetcher import errors

SUPPORTED_ENCODINGS = ("gzip", "deflate", "br")
ACCEPT_ENCODING = ", ".join(SUPPORTED_ENCODINGS)

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_CHUNK = 64 * 1024


class Decoder(Protocol):
    """Decompresses a stream chunk by chunk."""

    def feed(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...


class IdentityDecoder:
    """No compression."""

    def feed(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


class ZlibDecoder:
    """gzip or deflate (zlib-wrapped or raw), never producing more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        self._encoding = encoding
        self._object = zlib.decompressobj(wbits)
        self._limit = limit
        self._produced = 0
        self._first = True

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        pending = data
        while pending:
            budget = self._limit - self._produced + 1
            try:
                piece = self._object.decompress(pending, min(budget, _CHUNK))
            except zlib.error as error:
                if self._first and self._encoding == "deflate":
                    self._object = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise errors.bad_compression(str(error)) from error
            self._first = False
            self._account(len(piece))
            out += piece
            pending = self._object.unconsumed_tail
            if self._object.eof:
                break
        return bytes(out)

    def flush(self) -> bytes:
        piece = self._object.flush()
        self._account(len(piece))
        return piece

    def _account(self, size: int) -> None:
        self._produced += size
        if self._produced > self._limit:
            raise errors.body_too_large(self._limit, "decompressed body")


class BrotliDecoder:
    """brotli, never producing more than `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self._object = brotli.Decompressor()
        self._limit = limit
        self._produced = 0

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        try:
            piece = self._object.process(data, output_buffer_limit=_CHUNK)
            while True:
                self._account(len(piece))
                out += piece
                if self._object.can_accept_more_data() or self._object.is_finished():
                    break
                piece = self._object.process(b"", output_buffer_limit=_CHUNK)
        except brotli.error as error:
            raise errors.bad_compression(str(error)) from error
        return bytes(out)

    def flush(self) -> bytes:
        return b""

    def _account(self, size: int) -> None:
        self._produced += size
        if self._produced > self._limit:
            raise errors.body_too_large(self._limit, "decompressed body")


def decoder_for(content_encoding: str, limit: int) -> Decoder:
    """The decoder for a Content-Encoding header (one coding only, as we offered)."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return IdentityDecoder()
    if len(codings) > 1 or codings[0] not in SUPPORTED_ENCODINGS:
        raise errors.unsupported_encoding(content_encoding)
    if codings[0] == "br":
        return BrotliDecoder(limit)
    return ZlibDecoder(codings[0], limit)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("'\"")).name
    except LookupError:
        return None


def _try(body: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_body(body: bytes, declared: str | None) -> tuple[str, str]:
    """The body as text and the encoding used: BOM, declared, <meta>, sniffed, else UTF-8
    with replacement characters. A declared charset that does not fit the bytes is ignored."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            with_bom = _try(body, name)
            if with_bom is not None:
                return with_bom, name
    match = _META_CHARSET.search(body[:4096])
    candidates = [_codec(declared), _codec(match.group(1).decode("ascii") if match else None)]
    for candidate in [*candidates, "utf-8"]:
        decoded = _try(body, candidate)
        if decoded is not None and candidate is not None:
            return decoded, candidate
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    sniffed = _try(body, best.encoding) if best is not None else None
    if best is not None and sniffed is not None:
        return sniffed, best.encoding
    return body.decode("utf-8", errors="replace"), "utf-8"
