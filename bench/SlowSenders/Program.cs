using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Autoencoder.Core;

// Usage: slow-senders BASE_URL SERVER_PID MNIST_T10K_GZ DIGIT_PNG [stalled per kind (256)] [valid requests per kind (40)] [idle|trickle] [seconds per kind (15)]
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: slow-senders BASE_URL SERVER_PID MNIST_T10K_GZ DIGIT_PNG [stalled per kind] [valid requests per kind] [idle|trickle]");
    return 2;
}

var server = new Uri(args[0]);
var serverPid = int.Parse(args[1], CultureInfo.InvariantCulture);
var requests = new ValidRequests(args[2], File.ReadAllBytes(args[3]));
var stalledPerKind = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 256;
var validPerKind = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 40;
var trickle = args.Length > 6 && args[6] == "trickle";
var phaseSeconds = args.Length > 7 ? double.Parse(args[7], CultureInfo.InvariantCulture) : 15;
string[] kinds = ["small upload", "large upload", "bulk", "protocol JSON", "protocol binary"];

// A valid request not answered within 30 s counts as not answered (its time is then 30 s).
using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
foreach (var kind in kinds)
{
    using var warm = await http.SendAsync(requests.For(kind)); // compiles each route's code before anything is timed
}

Console.WriteLine($"{stalledPerKind} {(trickle ? "trickling (a byte a second)" : "idle (4 bytes, then nothing)")} connections per kind, reopened as the server closes them; valid requests of each kind in turn, one at a time, at least {validPerKind} of each and for at least {phaseSeconds} s");
Console.WriteLine();
Console.WriteLine("| stalled kind | valid kind | requests | median ms | worst ms | not 200 in 30 s | peak RSS MiB | peak buffered body KiB | slow senders answered 408 / answered otherwise / closed unanswered |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
foreach (var stalledKind in kinds)
{
    using var attack = new Attack(server, stalledKind, stalledPerKind, trickle);
    await attack.OpenedAsync();
    var rss = new PeakSampler(() => ResidentMiB(serverPid));
    var buffered = new PeakSampler(() => BufferedBodyKiB(http));
    // Valid requests take turns by kind, a pause between rounds, for long enough that the server's own cut-offs of
    // slow senders (the least data rate after its grace, the body timeout) come into play.
    var times = kinds.ToDictionary(kind => kind, _ => new List<double>());
    var failures = kinds.ToDictionary(kind => kind, _ => 0);
    var phase = Stopwatch.StartNew();
    while (times.Values.Any(list => list.Count < validPerKind) || phase.Elapsed.TotalSeconds < phaseSeconds)
    {
        foreach (var validKind in kinds)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                using var response = await http.SendAsync(requests.For(validKind));
                await response.Content.ReadAsByteArrayAsync();
                failures[validKind] += response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failures[validKind]++;
            }

            times[validKind].Add(watch.Elapsed.TotalMilliseconds);
        }

        await Task.Delay(100);
    }

    foreach (var validKind in kinds)
    {
        var sorted = times[validKind].Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {stalledKind} | {validKind} | {sorted.Count} | {sorted[sorted.Count / 2]:F1} | {sorted[^1]:F1} | {failures[validKind]} | {rss.Peak:F0} | {(buffered.Peak < 0 ? "-" : buffered.Peak.ToString("F0", CultureInfo.InvariantCulture))} | {attack.Answered408} / {attack.AnsweredOther} / {attack.ClosedUnanswered} |"));
    }

    await rss.DisposeAsync();
    await buffered.DisposeAsync();
}

return 0;

static double ResidentMiB(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(line => line.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(Regex.Match(line, @"\d+").Value, CultureInfo.InvariantCulture) / 1024.0;
}

static double BufferedBodyKiB(HttpClient http)
{
    var metrics = http.GetStringAsync("/metrics").GetAwaiter().GetResult();
    var match = Regex.Match(metrics, @"^autoencoder_buffered_body_bytes (\S+)$", RegexOptions.Multiline);
    return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) / 1024 : -1;
}

/// <summary>The highest value a probe gives, sampled every 50 ms until disposed.</summary>
internal sealed class PeakSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;

    public PeakSampler(Func<double> probe)
    {
        Peak = probe();
        sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Peak = Math.Max(Peak, probe());
                await Task.Delay(50);
            }
        });
    }

    public double Peak { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling;
        stop.Dispose();
    }
}

/// <summary>
/// Keeps <c>count</c> connections of one kind stalled: each sends the headers of a request that declares a large body,
/// and 4 bytes of it, then nothing (or a byte a second); when the server answers or closes it, another takes its place.
/// </summary>
internal sealed class Attack : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> connections = [];
    private int opened;
    private int answered408;
    private int answeredOther;
    private int closedUnanswered;

    public Attack(Uri server, string kind, int count, bool trickle)
    {
        var (path, contentType, declared, extra) = kind switch
        {
            "small upload" => ("/reconstruct", "image/png", 200_000, ""),
            "large upload" => ("/reconstruct", "image/png", 10_000_000, ""),
            "bulk" => ("/encode", "application/x-idx", 10_000_000, ""),
            "protocol JSON" => ("/v2/models/mnist-encoder/infer", "application/json", 200_000, ""),
            _ => ("/v2/models/mnist-encoder/infer", "application/octet-stream", 10_000_000, "Inference-Header-Content-Length: 200\r\n"),
        };
        var headers = Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: {contentType}\r\nContent-Length: {declared}\r\n{extra}\r\n");
        byte[] start = kind.StartsWith("protocol", StringComparison.Ordinal) ? "{\"in"u8.ToArray() : [0x89, 0x50, 0x4e, 0x47];
        for (var i = 0; i < count; i++)
        {
            connections.Add(Task.Run(() => StallAsync(server, headers, start, trickle)));
        }
    }

    public int Answered408 => answered408;

    public int AnsweredOther => answeredOther;

    public int ClosedUnanswered => closedUnanswered;

    public async Task OpenedAsync()
    {
        while (Volatile.Read(ref opened) < connections.Count)
        {
            await Task.Delay(20);
        }

        await Task.Delay(500); // let the server take them in
    }

    public void Dispose()
    {
        stop.Cancel();
        try
        {
            Task.WaitAll([.. connections], TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }

        stop.Dispose();
    }

    private async Task StallAsync(Uri server, byte[] headers, byte[] start, bool trickle)
    {
        var first = true;
        while (!stop.IsCancellationRequested)
        {
            using var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync(server.Host, server.Port, stop.Token);
                var stream = tcp.GetStream();
                await stream.WriteAsync(headers, stop.Token);
                await stream.WriteAsync(start, stop.Token);
                if (first)
                {
                    Interlocked.Increment(ref opened);
                    first = false;
                }

                var buffer = new byte[64];
                var reading = stream.ReadAsync(buffer, stop.Token).AsTask();
                while (trickle && !reading.IsCompleted)
                {
                    await stream.WriteAsync(new byte[] { 0 }, stop.Token);
                    await Task.WhenAny(reading, Task.Delay(1000, stop.Token));
                }

                var read = await reading;
                if (read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("HTTP/1.1 408", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref answered408);
                }
                else if (read > 0)
                {
                    Interlocked.Increment(ref answeredOther);
                }
                else
                {
                    Interlocked.Increment(ref closedUnanswered);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                if (first)
                {
                    Interlocked.Increment(ref opened);
                    first = false;
                }

                Interlocked.Increment(ref closedUnanswered);
            }
        }
    }
}

/// <summary>A valid request of each kind: a digit's PNG (declared and undeclared length), an IDX file of 64 digits, and the protocol's JSON and binary requests for one digit.</summary>
internal sealed class ValidRequests(string t10k, byte[] digitPng)
{
    private readonly byte[] idx = IdxOf64(t10k);
    private readonly float[] digit = FirstDigit(t10k);

    public HttpRequestMessage For(string kind)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, kind switch
        {
            "bulk" => "/encode",
            "protocol JSON" or "protocol binary" => "/v2/models/mnist-encoder/infer",
            _ => "/reconstruct",
        });
        switch (kind)
        {
            case "small upload":
                request.Content = Content(digitPng, "image/png");
                break;
            case "large upload":
                request.Content = Content(digitPng, "image/png");
                request.Headers.TransferEncodingChunked = true; // undeclared length: a large request
                break;
            case "bulk":
                request.Content = Content(idx, "application/x-idx");
                break;
            case "protocol JSON":
                var data = string.Join(",", digit.Select(value => value.ToString(CultureInfo.InvariantCulture)));
                request.Content = Content(Encoding.UTF8.GetBytes($$"""{"inputs":[{"name":"image","shape":[1,1,28,28],"datatype":"FP32","data":[{{data}}]}]}"""), "application/json");
                break;
            default:
                var json = Encoding.UTF8.GetBytes($$$"""{"inputs":[{"name":"image","shape":[1,1,28,28],"datatype":"FP32","parameters":{"binary_data_size":{{{digit.Length * 4}}}}}]}""");
                var binary = new byte[digit.Length * 4];
                Buffer.BlockCopy(digit, 0, binary, 0, binary.Length);
                request.Content = new ByteArrayContent([.. json, .. binary]);
                request.Content.Headers.Add("Inference-Header-Content-Length", json.Length.ToString(CultureInfo.InvariantCulture));
                break;
        }

        return request;
    }

    private static ByteArrayContent Content(byte[] bytes, string type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    private static byte[] IdxOf64(string path)
    {
        var (header, pixels) = Idx.ReadImages(Idx.Decompress(File.ReadAllBytes(path)));
        var file = new byte[Idx.ImageHeaderLength + (64 * header.PixelsPerImage)];
        Idx.WriteImageHeader(file, 64, header.Rows, header.Columns);
        pixels.AsSpan(0, 64 * header.PixelsPerImage).CopyTo(file.AsSpan(Idx.ImageHeaderLength));
        return file;
    }

    private static float[] FirstDigit(string path)
    {
        var (header, pixels) = Idx.ReadImages(Idx.Decompress(File.ReadAllBytes(path)));
        return PixelValues.ToUnit(pixels.AsSpan(0, header.PixelsPerImage));
    }
}
