using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Usage: allocation-sites TRACE.nettrace REQUESTS [TOP (25)]
// Each GC allocation sample carries the bytes allocated since the previous one, so charging a sample's bytes to its
// stack estimates where the bytes went. A sample is charged to the first frame of the service's own code and the first
// frame of a library it called (ASP.NET Core, ImageSharp, Serilog, ONNX Runtime...), with the type allocated.
if (args.Length < 2 || !long.TryParse(args[1], out var requests) || requests <= 0)
{
    Console.Error.WriteLine("usage: allocation-sites TRACE.nettrace REQUESTS [TOP]");
    return 2;
}

var top = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 25;
using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
var bySite = new Dictionary<string, long>();
var byArea = new Dictionary<string, long>();
long total = 0;
foreach (var traced in log.Events)
{
    if (traced is not GCAllocationTickTraceData sample)
    {
        continue;
    }

    var bytes = sample.AllocationAmount64;
    total += bytes;
    List<string> frames = [];
    for (var frame = sample.CallStack(); frame is not null && frames.Count < 64; frame = frame.Caller)
    {
        frames.Add(frame.CodeAddress.FullMethodName);
    }

    var ours = frames.FirstOrDefault(name => name.StartsWith("Autoencoder.", StringComparison.Ordinal));
    var library = frames.FirstOrDefault(name => name.Length > 0 && !name.StartsWith("System.", StringComparison.Ordinal));
    var area = Area(library ?? ours ?? "");
    byArea[area] = byArea.GetValueOrDefault(area) + bytes;
    var site = $"{sample.TypeName} in {Short(library)}" + (ours is not null && ours != library ? $" from {Short(ours)}" : "");
    bySite[site] = bySite.GetValueOrDefault(site) + bytes;
}

if (total == 0)
{
    Console.Error.WriteLine("the trace holds no allocation samples: take it with dotnet-trace --profile gc-verbose");
    return 1;
}

Console.WriteLine($"{total / (double)requests:F0} bytes a request sampled ({requests} requests)");
Console.WriteLine();
Console.WriteLine("| bytes a request | share | where |");
Console.WriteLine("| ---: | ---: | --- |");
foreach (var (area, bytes) in byArea.OrderByDescending(entry => entry.Value))
{
    Console.WriteLine($"| {bytes / (double)requests:F0} | {100.0 * bytes / total:F1}% | {area} |");
}

Console.WriteLine();
Console.WriteLine("| bytes a request | share | type, in the code that asked |");
Console.WriteLine("| ---: | ---: | --- |");
foreach (var (site, bytes) in bySite.OrderByDescending(entry => entry.Value).Take(top))
{
    Console.WriteLine($"| {bytes / (double)requests:F0} | {100.0 * bytes / total:F1}% | {site.Replace("|", "\\|", StringComparison.Ordinal)} |");
}

return 0;

// The library (or our folder) a frame belongs to, by its namespace.
static string Area(string frame) => frame switch
{
    _ when frame.StartsWith("Autoencoder.Api.", StringComparison.Ordinal) => "service: " + string.Join('.', frame.Split('.').Skip(2).Take(1)),
    _ when frame.StartsWith("Autoencoder.", StringComparison.Ordinal) => "service: Core",
    _ when frame.StartsWith("Microsoft.AspNetCore.WebUtilities", StringComparison.Ordinal) || frame.StartsWith("Microsoft.Net.Http.Headers", StringComparison.Ordinal)
        || frame.StartsWith("Microsoft.AspNetCore.Http.Features", StringComparison.Ordinal) || frame.StartsWith("Microsoft.AspNetCore.Http.BufferingHelper", StringComparison.Ordinal) => "ASP.NET Core: forms, multipart and headers",
    _ when frame.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) => "Kestrel",
    _ when frame.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) => "ASP.NET Core: hosting, routing, middleware",
    _ when frame.StartsWith("Microsoft.Extensions", StringComparison.Ordinal) => "Microsoft.Extensions (DI, logging, options)",
    _ when frame.StartsWith("SixLabors.", StringComparison.Ordinal) => "ImageSharp",
    _ when frame.StartsWith("Serilog", StringComparison.Ordinal) => "Serilog",
    _ when frame.StartsWith("Prometheus", StringComparison.Ordinal) => "prometheus-net",
    _ when frame.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal) => "ONNX Runtime's .NET API",
    _ when frame.StartsWith("Grpc.", StringComparison.Ordinal) || frame.StartsWith("Google.Protobuf", StringComparison.Ordinal) => "gRPC and protobuf",
    "" => "runtime only (no frame outside System.*)",
    _ => string.Join('.', frame.Split('.').Take(2)),
};

// A method's name without its parameter list.
static string Short(string? frame) => frame is null ? "-" : frame.Split('(')[0];
