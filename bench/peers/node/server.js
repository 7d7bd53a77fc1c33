'use strict';
// POST /reconstruct as a small Node.js service would write it, a peer for bench/serving.sh: fastify with
// @fastify/multipart takes one PNG from the form field "image", pngjs decodes it, onnxruntime-node runs the model's
// encoder and then its decoder on the pixels as they are (no digit preparation), and pngjs writes the gray PNG answer.
// Node runs JavaScript on one thread, so the cluster module starts one worker process a core, each with its own
// sessions; the primary shares the listening socket among them.
// Install: ONNXRUNTIME_NODE_INSTALL=skip npm ci (onnxruntime-node bundles its CPU binaries; its install script would
// fetch the CUDA ones too). Needs Node.js 20 or newer.
// Usage: node server.js PORT [WORKERS (one a core)] [MODEL_FOLDER (models/mnist)]
const cluster = require('node:cluster');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const port = Number(process.argv[2] ?? 5800);
const workers = Number(process.argv[3] ?? os.availableParallelism());
const modelFolder = path.resolve(process.argv[4] ?? path.join(__dirname, '..', '..', '..', 'models', 'mnist'));

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  // A worker that dies would leave the benchmark timing one process; stop the whole server instead.
  cluster.on('exit', (worker, code, signal) => {
    console.error(`worker ${worker.process.pid} exited (${signal ?? code})`);
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      cluster.removeAllListeners('exit');
      for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
      process.exit(0);
    });
  }
} else {
  serve().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

async function serve() {
  const ort = require('onnxruntime-node');
  const { PNG } = require('pngjs');
  const fastify = require('fastify')({ logger: false });
  await fastify.register(require('@fastify/multipart'), { limits: { files: 1, fileSize: 1 << 20 } });

  // The names, size and pixel scale come from the model's own description, as the service reads them.
  const model = JSON.parse(fs.readFileSync(path.join(modelFolder, 'model.json'), 'utf8'));
  const { height, width, channels } = model.image;
  const { encoderInput, encoderOutput, decoderInput, decoderOutput, pixelMin, pixelMax } = model.contract;
  if (channels !== 1) throw new Error(`${modelFolder}: this peer serves gray models, not ${channels} channels`);
  // One worker a core already uses every core: one ONNX Runtime thread each, as the service runs one a core.
  const options = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const encoder = await ort.InferenceSession.create(path.join(modelFolder, 'encoder.onnx'), options);
  const decoder = await ort.InferenceSession.create(path.join(modelFolder, 'decoder.onnx'), options);

  fastify.post('/reconstruct', async (request, reply) => {
    const upload = await request.file();
    if (!upload || upload.fieldname !== 'image') return reply.code(400).send({ error: 'send the PNG in the form field "image"' });
    let picture;
    try {
      picture = PNG.sync.read(await upload.toBuffer());
    } catch (error) {
      return reply.code(400).send({ error: `not a PNG: ${error.message}` });
    }
    if (picture.width !== width || picture.height !== height) {
      return reply.code(400).send({ error: `the image must be ${width}x${height}, not ${picture.width}x${picture.height}` });
    }

    // pngjs gives RGBA bytes; a gray PNG has its value in each of R, G and B.
    const pixels = new Float32Array(width * height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = pixelMin + (picture.data[4 * i] / 255) * (pixelMax - pixelMin);
    const { [encoderOutput]: latent } = await encoder.run({ [encoderInput]: new ort.Tensor('float32', pixels, [1, 1, height, width]) });
    const { [decoderOutput]: image } = await decoder.run({ [decoderInput]: latent });

    const answer = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
    answer.data = Buffer.alloc(width * height);
    for (let i = 0; i < answer.data.length; i++) {
      const unit = (image.data[i] - pixelMin) / (pixelMax - pixelMin);
      answer.data[i] = Math.round(255 * Math.min(1, Math.max(0, unit)));
    }
    return reply.type('image/png').send(PNG.sync.write(answer, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
  });

  await fastify.listen({ host: '127.0.0.1', port });
}
