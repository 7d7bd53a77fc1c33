using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Autoencoder.Api.OpenInference.Grpc.Protocol;
using Autoencoder.Core;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

// Usage: grpc-load ADDRESS MNIST_T10K_GZ MODEL BATCH SECONDS [concurrent calls (64)] [channels (4)] [warm-up seconds (3)]
// Calls MODEL's ModelInfer with the first BATCH t10k digits (FP32 in [0,1], raw_input_contents) from as many concurrent
// callers as asked, spread over as many channels (one HTTP/2 connection each; the calls on a channel are multiplexed
// on its connection), for the warm-up and then SECONDS more, and prints what was completed after the warm-up as one
// line in the form of bench/wrk/counting.lua's, with this process's CPU time a call.
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: grpc-load ADDRESS MNIST_T10K_GZ MODEL BATCH SECONDS [concurrent calls] [channels] [warm-up seconds]");
    return 2;
}

var address = args[0];
var (header, pixels) = Idx.ReadImages(Idx.Decompress(File.ReadAllBytes(args[1])));
var model = args[2];
var batch = int.Parse(args[3], CultureInfo.InvariantCulture);
var seconds = double.Parse(args[4], CultureInfo.InvariantCulture);
var concurrency = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 64;
var channelCount = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 4;
var warmUpSeconds = args.Length > 7 ? double.Parse(args[7], CultureInfo.InvariantCulture) : 3;

var request = InferRequest(model, batch, header, pixels);
var channels = Enumerable.Range(0, channelCount).Select(_ => GrpcChannel.ForAddress(address, new GrpcChannelOptions
{
    // One connection a channel, so the setting says how many connections carry the calls.
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false },
    MaxReceiveMessageSize = null,
    MaxSendMessageSize = null,
})).ToList();
var clients = channels.Select(channel => new GRPCInferenceService.GRPCInferenceServiceClient(channel)).ToList();

// One answer checked before any load: the latents of the whole batch, as raw bytes.
var check = await clients[0].ModelInferAsync(request);
var outputValues = check.Outputs[0].Shape.Aggregate(1L, (product, size) => product * size);
if (check.Outputs[0].Shape[0] != batch || check.RawOutputContents.Count != 1 || check.RawOutputContents[0].Length != outputValues * sizeof(float))
{
    Console.Error.WriteLine($"unexpected answer: {check}");
    return 1;
}

Console.Error.WriteLine($"{model}: [{string.Join(", ", check.Outputs[0].Shape)}] {check.Outputs[0].Datatype} as {check.RawOutputContents[0].Length} raw bytes");

var clock = Stopwatch.StartNew();
var measureFrom = TimeSpan.FromSeconds(warmUpSeconds);
var measureUntil = measureFrom + TimeSpan.FromSeconds(seconds);
var callers = Enumerable.Range(0, concurrency).Select(index => CallAsync(clients[index % clients.Count])).ToList();
await Task.Delay(measureFrom);
var cpuFrom = Environment.CpuUsage.TotalTime;
var results = await Task.WhenAll(callers);
var elapsed = clock.Elapsed - measureFrom;
var cpu = Environment.CpuUsage.TotalTime - cpuFrom;
foreach (var channel in channels)
{
    channel.Dispose();
}

var latencies = results.SelectMany(result => result.Milliseconds).Order().ToList();
var failures = results.SelectMany(result => result.Failures).GroupBy(status => status).OrderBy(group => group.Key).ToList();
var calls = latencies.Count + failures.Sum(group => group.Count());
var statuses = string.Join(",", new[] { $"OK={latencies.Count}" }.Concat(failures.Select(group => $"{group.Key}={group.Count()}")));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT requests={latencies.Count} seconds={elapsed.TotalSeconds:F2} rps={latencies.Count / elapsed.TotalSeconds:F1} p50_ms={Percentile(latencies, 0.50):F2} p99_ms={Percentile(latencies, 0.99):F2} failures={calls - latencies.Count} statuses={statuses} client_cpu_ms={cpu.TotalMilliseconds / Math.Max(1, calls):F3} concurrency={concurrency} channels={channelCount}"));
return 0;

// One caller: a call after another until the time is up, each one timed if it started after the warm-up.
async Task<CallerResult> CallAsync(GRPCInferenceService.GRPCInferenceServiceClient client)
{
    var result = new CallerResult([], []);
    while (clock.Elapsed < measureUntil)
    {
        var started = clock.Elapsed;
        StatusCode status;
        try
        {
            await client.ModelInferAsync(request);
            status = StatusCode.OK;
        }
        catch (RpcException e)
        {
            status = e.StatusCode;
        }

        if (started < measureFrom)
        {
            continue;
        }

        if (status == StatusCode.OK)
        {
            result.Milliseconds.Add((clock.Elapsed - started).TotalMilliseconds);
        }
        else
        {
            result.Failures.Add(status);
        }
    }

    return result;
}

static double Percentile(List<double> sorted, double fraction) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(fraction * sorted.Count))];

// The request as Triton's gRPC client builds it for a raw FP32 input: shape and datatype in inputs, the values as
// little-endian bytes in raw_input_contents.
static ModelInferRequest InferRequest(string model, int batch, Idx.ImageHeader header, byte[] pixels)
{
    var values = pixels.Take(batch * header.PixelsPerImage).Select(pixel => pixel / 255f).ToArray();
    var input = new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "FP32" };
    input.Shape.AddRange([batch, 1, header.Rows, header.Columns]);
    var request = new ModelInferRequest { ModelName = model };
    request.Inputs.Add(input);
    request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())));
    return request;
}

internal sealed record CallerResult(List<double> Milliseconds, List<StatusCode> Failures);
