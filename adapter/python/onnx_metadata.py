"""Appends ONNX ``metadata_props`` to a serialised ModelProto without the onnx package.

ModelProto field 14 is ``repeated StringStringEntryProto metadata_props`` (key = 1, value = 2).
Protobuf messages may be concatenated, so appending length-delimited field-14 records to the
serialised model adds entries exactly as ``onnx.helper.set_model_props`` would.
"""

import hashlib
from typing import Dict


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _len_field(field: int, payload: bytes) -> bytes:
    return _varint((field << 3) | 2) + _varint(len(payload)) + payload


def encode_metadata_props(props: Dict[str, str]) -> bytes:
    out = bytearray()
    for key, value in props.items():
        entry = _len_field(1, key.encode("utf-8")) + _len_field(2, value.encode("utf-8"))
        out += _len_field(14, entry)
    return bytes(out)


def append_metadata_props(model_bytes: bytes, props: Dict[str, str]) -> bytes:
    return model_bytes + encode_metadata_props(props)


def file_sha256(path: str) -> str:
    """sha256 (hex) of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
