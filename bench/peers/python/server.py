"""POST /reconstruct as a small Python service would write it, a peer for bench/serving.sh: FastAPI on uvicorn takes one
PNG from the form field "image" (python-multipart), Pillow decodes it, PyTorch runs the model's encoder and then its
decoder on the pixels as they are (no digit preparation), and Pillow writes the gray PNG answer. The networks are
rebuilt in torch from the ONNX files, layer by layer with their weights, so both peers and the service run the same
numbers. One uvicorn worker a core, each with one torch thread.
Usage: python3 server.py PORT [WORKERS (one a core)] [MODEL_FOLDER (models/mnist)]"""
import io
import json
import os
import sys

import onnx
import torch
import uvicorn
from fastapi import FastAPI, HTTPException, UploadFile
from fastapi.responses import Response
from onnx import numpy_helper
from PIL import Image

MODEL_FOLDER = "AUTOENCODER_PEER_MODEL_FOLDER"


def network(path):
    """The ONNX file's chain of layers as a torch module; any operator outside the fc autoencoder's stops the start."""
    graph = onnx.load(path).graph
    weights = {tensor.name: torch.from_numpy(numpy_helper.to_array(tensor).copy()) for tensor in graph.initializer}
    layers = []
    for node in graph.node:
        attributes = {attribute.name: onnx.helper.get_attribute_value(attribute) for attribute in node.attribute}
        if node.op_type == "Flatten":
            layers.append(torch.nn.Flatten(start_dim=attributes.get("axis", 1)))
        elif node.op_type == "Gemm" and attributes.get("transB") == 1 and attributes.get("alpha", 1.0) == 1.0 and attributes.get("beta", 1.0) == 1.0:
            weight, bias = weights[node.input[1]], weights[node.input[2]]
            linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
            linear.weight.data.copy_(weight)
            linear.bias.data.copy_(bias)
            layers.append(linear)
        elif node.op_type == "LeakyRelu":
            layers.append(torch.nn.LeakyReLU(attributes.get("alpha", 0.01)))
        elif node.op_type == "Relu":
            layers.append(torch.nn.ReLU())
        elif node.op_type == "Sigmoid":
            layers.append(torch.nn.Sigmoid())
        elif node.op_type == "Reshape":
            layers.append(torch.nn.Unflatten(1, tuple(int(size) for size in weights[node.input[1]][1:])))
        else:
            raise SystemExit(f"{path}: this peer rebuilds fully connected networks, not {node.op_type}")
    return torch.nn.Sequential(*layers).eval()


def create_app(folder):
    # The size and pixel scale come from the model's own description, as the service reads them.
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as file:
        model = json.load(file)
    height, width = model["image"]["height"], model["image"]["width"]
    low, high = model["contract"]["pixelMin"], model["contract"]["pixelMax"]
    if model["image"]["channels"] != 1:
        raise SystemExit(f"{folder}: this peer serves gray models, not {model['image']['channels']} channels")
    # One worker a core already uses every core: one torch thread each, as the service runs one a core.
    torch.set_num_threads(1)
    encoder = network(os.path.join(folder, "encoder.onnx"))
    decoder = network(os.path.join(folder, "decoder.onnx"))
    app = FastAPI()

    # async: the model takes tens of microseconds, less than handing the request to a thread would.
    @app.post("/reconstruct")
    async def reconstruct(image: UploadFile) -> Response:
        try:
            picture = Image.open(io.BytesIO(await image.read()))
            picture.load()
        except Exception as error:
            raise HTTPException(400, f"not an image: {error}") from error
        if picture.size != (width, height):
            raise HTTPException(400, f"the image must be {width}x{height}, not {picture.size[0]}x{picture.size[1]}")
        pixels = torch.frombuffer(bytearray(picture.convert("L").tobytes()), dtype=torch.uint8)
        with torch.inference_mode():
            unit = decoder(encoder(low + pixels.view(1, 1, height, width).float() / 255 * (high - low)))
        gray = ((unit - low) / (high - low)).clamp(0, 1).mul(255).round().to(torch.uint8).view(height, width)
        answer = io.BytesIO()
        Image.frombytes("L", (width, height), gray.numpy().tobytes()).save(answer, format="PNG")
        return Response(answer.getvalue(), media_type="image/png")

    return app


def app():
    """uvicorn's factory: each worker process builds its own app and networks."""
    return create_app(os.environ[MODEL_FOLDER])


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5803
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    default_folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "models", "mnist")
    os.environ[MODEL_FOLDER] = os.path.abspath(sys.argv[3] if len(sys.argv) > 3 else default_folder)
    uvicorn.run("server:app", factory=True, host="127.0.0.1", port=port, workers=workers, log_level="warning", access_log=False)
