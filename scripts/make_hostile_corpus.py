#!/usr/bin/python3
"""Writes the hostile input corpus of tests/data/hostile/ (issue 7): small, deliberately broken files
that linlearn must reject with exit 3 and a message naming the place, never crash on.

Deterministic: re-running it reproduces every file byte for byte. The RecordIO files are encoded by
hand (struct + a few lines of protobuf wire format) so the script needs nothing beyond Python.

    /usr/bin/python3 scripts/make_hostile_corpus.py            # writes into tests/data/hostile/
"""
import os
import struct
import sys

MAGIC = 0xCED7230A


# --- protobuf wire format (only what aialgs.data.Record needs) ---------------------------------
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def length_delimited(field, payload):
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def float32_tensor(values, keys=None, shape=None):
    body = length_delimited(1, struct.pack("<%df" % len(values), *values))
    if keys is not None:
        body += length_delimited(2, b"".join(varint(k) for k in keys))
    if shape is not None:
        body += length_delimited(3, b"".join(varint(s) for s in shape))
    return body


def value(tensor):
    return length_delimited(2, tensor)  # Value.float32_tensor = 2


def map_entry(key, val):
    return length_delimited(1, key.encode()) + length_delimited(2, val)


def record(features, label, feature_key="values"):
    """features: a Float32Tensor body; label: a float."""
    return (length_delimited(1, map_entry(feature_key, value(features)))
            + length_delimited(2, map_entry("values", value(float32_tensor([label])))))


# --- RecordIO framing ----------------------------------------------------------------------------
def frame(payload, flag=0, length=None, magic=MAGIC):
    length = len(payload) if length is None else length
    padding = b"\0" * (-len(payload) % 4)
    return struct.pack("<II", magic, flag << 29 | length) + payload + padding


def good_record():
    return frame(record(float32_tensor([1.0, 2.0, 3.0]), 1.0))


def recordio_files():
    good = good_record()
    return {
        # The second frame header does not start with the magic.
        "bad_magic.recordio": good + frame(record(float32_tensor([1.0, 2.0, 3.0]), 0.0), magic=0xDEADBEEF),
        # The file ends 5 bytes into the second frame header.
        "truncated_frame.recordio": good + struct.pack("<I", MAGIC) + b"\x10",
        # The second frame claims 1000 bytes; 8 follow.
        "length_past_eof.recordio": good + struct.pack("<II", MAGIC, 1000) + b"\0" * 8,
        # A length field of 500 MB in a 24-byte file: must fail at once, allocating nothing that size.
        "claims_500mb.recordio": struct.pack("<II", MAGIC, 500 * 1024 * 1024) + b"\0" * 16,
        # Field 1 (features) claims 255 bytes of a 4-byte payload.
        "malformed_protobuf.recordio": good + frame(b"\x0a\xff\x01\x00"),
        # features["other"] instead of features["values"].
        "missing_values.recordio": good + frame(record(float32_tensor([1.0, 2.0, 3.0]), 0.0, feature_key="other")),
        # Sparse key 7 with shape [5].
        "sparse_key_ge_shape.recordio":
            frame(record(float32_tensor([1.0, 2.0], keys=[0, 2], shape=[5]), 1.0))
            + frame(record(float32_tensor([1.0, 2.0], keys=[0, 7], shape=[5]), 0.0)),
        # Sparse keys without shape = [feature_dim].
        "missing_shape.recordio": frame(record(float32_tensor([1.0, 2.0], keys=[0, 2]), 1.0)),
        # Dense records of 3, then 4 features.
        "mixed_feature_dim.recordio": good + frame(record(float32_tensor([1.0, 2.0, 3.0, 4.0]), 0.0)),
    }


def text_files():
    return {
        "ragged.csv": b"1,0.5,2\n0,1.5,3\n1,2.5\n",
        "text_cell.csv": b"1,0.5,2\n0,abc,3\n",
        "nan.csv": b"1,0.5,2\n0,nan,3\n",
        "inf.csv": b"1,0.5,2\n0,1.5,-inf\n",
        "empty.csv": b"",
        "only_blank_lines.csv": b"\n\n   \n\r\n",
        "header.csv": b"label,f1,f2\n1,0.5,2\n0,1.5,3\n",
        "crlf.csv": b"1,0.5,2\r\n0,1.5,3\r\n1,2.5,4\r\n0,3.5,5\r\n",
        "crlf_ragged.csv": b"1,0.5,2\r\n0,1.5,3\r\n1,2.5\r\n",
        "bom.csv": b"\xef\xbb\xbf1,0.5,2\n0,1.5,3\n1,2.5,4\n0,3.5,5\n",
        "bom_text_cell.csv": b"\xef\xbb\xbf1,0.5,2\n0,x,3\n",
        "trailing_comma.csv": b"1,0.5,2\n0,1.5,3,\n",
        "label_binary_out_of_range.csv": b"1,0.5,2\n0,1.5,3\n2,2.5,4\n",
        "label_multiclass_out_of_range.csv": b"0,0.5,2\n1,1.5,3\n2,2.5,4\n3,3.5,5\n",
        "label_multiclass_fraction.csv": b"0,0.5,2\n1.5,1.5,3\n",
        "five_features.csv": b"1,2,3,4,5\n5,4,3,2,1\n",
        "bad_index.libsvm": b"1 1:0.5 2:1\n0 1:0.5 x:1\n",
        "index_zero.libsvm": b"1 1:0.5 2:1\n0 0:0.5 2:1\n",
        "one_class.libsvm": b"1 1:0.5 2:1\n1 1:1.5 2:3\n",
        "plus_minus_one.libsvm": b"+1 1:0.5 2:1\n-1 1:1.5 2:3\n+1 1:2.5 2:4\n-1 1:3.5 2:5\n",
        "decreasing_indices.libsvm": b"1 1:0.5 2:1\n0 3:0.5 2:1\n",
        "missing_colon.libsvm": b"1 1:0.5 2:1\n0 1:0.5 2 1\n",
        "hyperparameters_not_json.json": b"{\"epochs\": \"2\",\n",
        "hyperparameters_wrong_type.json": b"{\"epochs\": [1, 2]}\n",
        "hyperparameters_unknown_key.json": b"{\"epochs\": \"2\", \"no_such_hyperparameter\": \"1\"}\n",
        "hyperparameters_bad_value.json": b"{\"epochs\": \"many\"}\n",
    }


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "data", "hostile")
    os.makedirs(out_dir, exist_ok=True)
    files = {**text_files(), **recordio_files()}
    for name, content in sorted(files.items()):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(content)
    print("wrote %d files to %s" % (len(files), out_dir))


if __name__ == "__main__":
    main()
