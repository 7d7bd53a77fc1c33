using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Autoencoder.Api.Limits;
using Microsoft.AspNetCore.Connections;

// The least any HTTP server must do for POST .../infer with binary tensors: read the whole body into memory, and answer
// with a JSON header and the output's bytes. No parsing, no inference, no middleware, no logging, so what it serves a
// second on this machine bounds what any server here can. With "large", Kestrel's connection buffers come from the
// service's pool of 64 KB blocks (Limits/ConnectionBufferPool.cs) instead of its own 4 KB ones.
// Usage: ASPNETCORE_URLS=... bare-http [default|large] [OUTPUT_BYTES (5120)]
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
    var length = (int)(context.Request.ContentLength ?? 0);
    var body = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
    try
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
                break;
            }
        }
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
