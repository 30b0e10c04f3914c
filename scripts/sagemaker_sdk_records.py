#!/usr/bin/python3
"""Writes RecordIO-protobuf test files the way SageMaker's Python SDK does.

The `sagemaker` package is not available here, so its two serializers
(sagemaker.amazon.common.write_numpy_to_dense_tensor and write_spmatrix_to_sparse_tensor) are
reimplemented with `struct`: a Record with features["values"] and label["values"] tensors of the
array's type (float32 -> Float32Tensor, float64 -> Float64Tensor, int32 -> Int32Tensor), packed
repeated fields, empty ones omitted, keys and shape only for sparse rows; each record framed by
_write_recordio (magic, length, payload, zero padding; the SDK never splits records).

Usage: scripts/sagemaker_sdk_records.py [OUTPUT_DIR]   (default tests/data/recordio)
"""
import os
import struct
import sys

MAGIC = 0xCED7230A
# Value oneof field numbers and the struct code of each tensor's values (None: varint).
TENSORS = {"float32": (2, "<f"), "float64": (3, "<d"), "int32": (7, None)}


def varint(value):
    value &= (1 << 64) - 1  # negative int32 values are sign-extended to 10 bytes, as protobuf does
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def length_delimited(field, body):
    return varint(field << 3 | 2) + varint(len(body)) + body


def tensor(dtype, values, keys=None, shape=None):
    code = TENSORS[dtype][1]
    body = b""
    if values:
        packed = b"".join(struct.pack(code, v) if code else varint(v) for v in values)
        body += length_delimited(1, packed)
    if keys:
        body += length_delimited(2, b"".join(varint(k) for k in keys))
    if shape:
        body += length_delimited(3, b"".join(varint(s) for s in shape))
    return body


def values_entry(record_field, dtype, tensor_body):
    value = length_delimited(TENSORS[dtype][0], tensor_body)
    return length_delimited(record_field, length_delimited(1, b"values") + length_delimited(2, value))


def write_recordio(f, payload):
    f.write(struct.pack("<II", MAGIC, len(payload)))
    f.write(payload)
    f.write(b"\0" * ((4 - len(payload) % 4) % 4))


def write_dense(path, dtype, rows, labels):
    with open(path, "wb") as f:
        for row, label in zip(rows, labels):
            write_recordio(f, values_entry(1, dtype, tensor(dtype, row)) + values_entry(2, dtype, tensor(dtype, [label])))


def write_sparse(path, dtype, rows, labels, dim):
    """rows: lists of (column, value) pairs in column order, as a CSR matrix holds them."""
    with open(path, "wb") as f:
        for row, label in zip(rows, labels):
            features = tensor(dtype, [v for _, v in row], [c for c, _ in row], [dim])
            write_recordio(f, values_entry(1, dtype, features) + values_entry(2, dtype, tensor(dtype, [label])))


# The same data in every file, so one test checks them all; values are exact in every type.
DENSE_ROWS = [[1, -2, 0], [0, 3, 4], [-5, 0, 6]]
SPARSE_ROWS = [[(0, 1), (3, -2)], [], [(4, 7)], [(1, 3), (2, -4), (4, 5)]]
LABELS = [1, 0, 2, 1]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "recordio")
    os.makedirs(out_dir, exist_ok=True)
    for dtype in TENSORS:
        cast = int if dtype == "int32" else float
        dense = [[cast(v) for v in row] for row in DENSE_ROWS]
        sparse = [[(c, cast(v)) for c, v in row] for row in SPARSE_ROWS]
        labels = [cast(v) for v in LABELS]
        write_dense(os.path.join(out_dir, f"dense_{dtype}.recordio"), dtype, dense, labels[:3])
        write_sparse(os.path.join(out_dir, f"sparse_{dtype}.recordio"), dtype, sparse, labels, 5)


if __name__ == "__main__":
    main()
