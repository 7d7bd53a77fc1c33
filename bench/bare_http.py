"""The bare protocol endpoint of bench/BareHttp, in Python: FastAPI on uvicorn (as KServe's Python model servers and
MLServer serve HTTP) reads the whole body and answers with a JSON header and the output's bytes, no inference.
Run by bench/open-inference.sh: python3 bench/bare_http.py PORT [WORKERS (2)] [OUTPUT_BYTES (5120)]"""
import json
import sys

import uvicorn
from fastapi import FastAPI, Request, Response

output_bytes = int(sys.argv[3]) if len(sys.argv) > 3 else 64 * 20 * 4
header = json.dumps({
    "model_name": "bare", "model_version": "1",
    "outputs": [{"name": "latent", "datatype": "FP32", "shape": [64, 20], "parameters": {"binary_data_size": output_bytes}}],
}, separators=(",", ":")).encode()
answer = header + bytes(output_bytes)

app = FastAPI()


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request) -> Response:
    await request.body()
    return Response(answer, media_type="application/octet-stream", headers={"Inference-Header-Content-Length": str(len(header))})


if __name__ == "__main__":
    port = int(sys.argv[1])
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    uvicorn.run("bare_http:app", host="127.0.0.1", port=port, workers=workers, log_level="warning", access_log=False)
