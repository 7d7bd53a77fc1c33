using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Autoencoder.Api.Http;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Api.Metrics;
using Autoencoder.Core;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

// The least any HTTP server must do for POST .../infer with binary tensors: read the whole body into memory, and answer
// with a JSON header and the output's bytes. No parsing, no inference, no middleware, no logging, so what it serves a
// second on this machine bounds what any server here can. With "large", Kestrel's connection buffers come from the
// service's pool of 64 KB blocks (Limits/ConnectionBufferPool.cs) instead of its own 4 KB ones.
// With "pipeline MODEL_DIR", the service's own work inside the same bare Kestrel (its 64 KB connection buffers too),
// with no middleware, no batching, no admission and no logging: what that work costs in Kestrel and nothing else.
//  - POST /reconstruct: the body read whole, its one file found by the service's form reader, the PNG decoded and
//    prepared as model.json says, encoder and decoder run for this one image on the request's thread, the PNG written.
//  - POST /v2/models/{name}/infer: the body read whole, the FP32 tensor after its JSON header (as long as
//    Inference-Header-Content-Length says) run through the encoder as one batch, and the latents answered after the
//    same JSON header the bare route answers.
// WITHOUT (decode, model, png, comma-separated) leaves steps of /reconstruct out, to see what each costs here: without
// decode the input is zeros, without model the prepared input is written back, without png the upload is answered.
// Usage: ASPNETCORE_URLS=... bare-http [default|large] [OUTPUT_BYTES (5120)] | bare-http pipeline MODEL_DIR [WITHOUT]
if (args.Length > 1 && args[0] == "pipeline")
{
    ServePipeline(args[1], args.Length > 2 ? args[2].Split(',') : []);
    return;
}

var largeBuffers = args.Length > 0 && args[0] == "large";
var outputBytes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64 * 20 * sizeof(float);
var header = Encoding.UTF8.GetBytes(
    $$$"""{"model_name":"bare","model_version":"1","outputs":[{"name":"latent","datatype":"FP32","shape":[64,20],"parameters":{"binary_data_size":{{{outputBytes}}}}}]}""");
var answer = new byte[header.Length + outputBytes];
header.CopyTo(answer, 0);
var headerLength = header.Length.ToString(CultureInfo.InvariantCulture);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
if (largeBuffers)
{
    builder.Services.AddOptions<LimitsOptions>();
    builder.Services.AddSingleton<IMemoryPoolFactory<byte>, ConnectionBufferPool.Factory>();
}

var app = builder.Build();

app.MapPost("/v2/models/{name}/infer", async context =>
{
    // The body lands in one buffer, as a runtime needs its input tensor: one copy out of the socket's buffers.
    var body = ArrayPool<byte>.Shared.Rent(Math.Max((int)(context.Request.ContentLength ?? 0), 1));
    try
    {
        await ReadBodyAsync(context, body);
    }
    finally
    {
        ArrayPool<byte>.Shared.Return(body);
    }

    context.Response.ContentType = "application/octet-stream";
    context.Response.ContentLength = answer.Length;
    context.Response.Headers["Inference-Header-Content-Length"] = headerLength;
    await context.Response.BodyWriter.WriteAsync(answer, context.RequestAborted);
});

app.Run();

// The service's work in bare Kestrel (see the top of this file).
static void ServePipeline(string modelDirectory, string[] without)
{
    var inference = Options.Create(new InferenceOptions { Device = DeviceKind.Cpu, IntraOpThreads = 1 });
    var selector = new ExecutionProviderSelector(inference, NullLogger<ExecutionProviderSelector>.Instance);
    using var model = OnnxAutoencoder.Load(
        Path.GetFileName(Path.TrimEndingDirectorySeparator(modelDirectory)), modelDirectory, selector, DeviceKind.Cpu,
        new BatchingOptions { Enabled = false }, new ApiMetrics(),
        new InferenceStatistics(new ModelRegistry(Options.Create(new ModelsOptions())), TimeProvider.System), NullLogger.Instance);
    using var decoder = new ImageDecoder(new ImageLimits());
    using var budget = new DecodeBudget(long.MaxValue);
    var images = new ImageTensors(decoder, budget);
    var shape = model.Manifest.Image;
    var formOptions = new FormOptions();
    var (decode, run, png) = (!without.Contains("decode"), !without.Contains("model"), !without.Contains("png"));

    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.Services.AddOptions<LimitsOptions>();
    builder.Services.AddSingleton<IMemoryPoolFactory<byte>, ConnectionBufferPool.Factory>();
    var app = builder.Build();
    app.MapPost("/reconstruct", async context =>
    {
        var body = ArrayPool<byte>.Shared.Rent(Math.Max((int)(context.Request.ContentLength ?? 0), 1));
        byte[] upload;
        try
        {
            var read = await ReadBodyAsync(context, body);
            if (MultipartFiles.TryRead(context.Request.ContentType, body.AsMemory(0, read), formOptions) is not { Count: 1 } files)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            upload = new byte[files[0].Length];
            using var stream = files[0].OpenReadStream();
            stream.ReadExactly(upload);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }

        var input = decode
            ? await images.ToModelInputAsync(upload, shape, model.Manifest.ImageHandling, context.RequestAborted)
            : new float[shape.PixelCount];
        var answer = png ? images.ToPng(run ? model.Decode(model.Encode(input, 1), 1) : input, shape) : upload;
        context.Response.ContentType = "image/png";
        context.Response.ContentLength = answer.Length;
        await context.Response.BodyWriter.WriteAsync(answer, context.RequestAborted);
    });
    app.MapPost("/v2/models/{name}/infer", async context =>
    {
        var length = (int)(context.Request.ContentLength ?? 0);
        var headerLength = int.Parse(context.Request.Headers["Inference-Header-Content-Length"].ToString(), CultureInfo.InvariantCulture);
        var body = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        float[] latents;
        int count;
        try
        {
            var read = await ReadBodyAsync(context, body);
            var tensor = body.AsSpan(headerLength, read - headerLength);
            count = tensor.Length / sizeof(float) / shape.PixelCount;
            // Pooled, as the service's input tensors are: a batch of 64 digits would otherwise be a large object a request.
            var input = ArrayPool<float>.Shared.Rent(count * shape.PixelCount);
            tensor[..(count * shape.PixelCount * sizeof(float))].CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(input.AsSpan()));
            latents = model.Encode(input, count);
            ArrayPool<float>.Shared.Return(input);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }

        var outputBytes = latents.Length * sizeof(float);
        var header = Encoding.UTF8.GetBytes(
            $$$"""{"model_name":"{{{model.Name}}}-encoder","model_version":"1","outputs":[{"name":"latent","datatype":"FP32","shape":[{{{count}}},{{{latents.Length / Math.Max(count, 1)}}}],"parameters":{"binary_data_size":{{{outputBytes}}}}}]}""");
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = header.Length + outputBytes;
        context.Response.Headers["Inference-Header-Content-Length"] = header.Length.ToString(CultureInfo.InvariantCulture);
        await context.Response.BodyWriter.WriteAsync(header, context.RequestAborted);
        await context.Response.BodyWriter.WriteAsync(System.Runtime.InteropServices.MemoryMarshal.AsBytes(latents.AsSpan()).ToArray(), context.RequestAborted);
    });
    app.Run();
}

// The body, as long as Content-Length says, into BODY; returns how many bytes came.
static async Task<int> ReadBodyAsync(HttpContext context, byte[] body)
{
    var read = 0;
    var reader = context.Request.BodyReader;
    while (true)
    {
        var result = await reader.ReadAsync(context.RequestAborted);
        foreach (var segment in result.Buffer)
        {
            var take = Math.Min(segment.Length, body.Length - read);
            segment.Span[..take].CopyTo(body.AsSpan(read));
            read += take;
        }

        reader.AdvanceTo(result.Buffer.End);
        if (result.IsCompleted)
        {
            return read;
        }
    }
}
