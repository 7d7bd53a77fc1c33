"""The protocol request the benchmarks send: BATCH t10k digits as FP32 in [0,1] for mnist-encoder.

  python3 bench/binary_request.py T10K_IMAGES_GZ BATCH REST_OUT [GRPC_OUT]

REST_OUT gets the body tritonclient.http builds (the JSON header, then the binary tensor; binary output asked for),
and the JSON header's length is printed (the Inference-Header-Content-Length header). GRPC_OUT, if given, gets the
gRPC message (ModelInferRequest with raw_input_contents) in its length-prefixed frame, as Grpc.Net.Client sends it.
"""
import gzip
import json
import struct
import sys


def varint(value):
    out = b""
    while True:
        low, value = value & 0x7F, value >> 7
        out += bytes([low | (0x80 if value else 0)])
        if not value:
            return out


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def main(path, batch, rest, grpc=None):
    data = gzip.open(path).read()
    rows, cols = struct.unpack(">II", data[8:16])
    pixels = data[16:16 + batch * rows * cols]
    binary = struct.pack("<%df" % len(pixels), *[value / 255 for value in pixels])
    header = json.dumps({
        "inputs": [{"name": "image", "shape": [batch, 1, rows, cols], "datatype": "FP32", "parameters": {"binary_data_size": len(binary)}}],
        "parameters": {"binary_data_output": True},
    }).encode()
    with open(rest, "wb") as out:
        out.write(header + binary)
    if grpc:
        # inference.proto: ModelInferRequest { model_name = 1; inputs = 5 { name = 1; datatype = 2; shape = 3 }; raw_input_contents = 7 }
        tensor = field(1, b"image") + field(2, b"FP32") + field(3, b"".join(varint(size) for size in (batch, 1, rows, cols)))
        message = field(1, b"mnist-encoder") + field(5, tensor) + field(7, binary)
        with open(grpc, "wb") as out:
            out.write(b"\0" + struct.pack(">I", len(message)) + message)
    print(len(header))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
