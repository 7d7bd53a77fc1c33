using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Autoencoder.Api.Tests;

/// <summary>
/// The service as its own process, as a user starts a build of it: <c>dotnet Autoencoder.Api.dll</c> from the build
/// output beside the tests (no wwwroot there), in Production, on a free loopback port. Killed on dispose if it is
/// still running, so that a failing test leaves no server behind.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly ConcurrentQueue<string> log = new();
    private readonly ConcurrentQueue<string> errors = new();

    private ServiceProcess(IReadOnlyList<string> launcher, IReadOnlyDictionary<string, string>? environment = null)
    {
        Port = FreePort();
        Address = new Uri($"http://127.0.0.1:{Port}");
        var start = new ProcessStartInfo(launcher.Count > 0 ? launcher[0] : "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_URLS"] = Address.ToString(),
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Models__Directory"] = TestData.ModelsDirectory,
                ["Inference__Device"] = "cpu",

                // Its gRPC port as well, on any free port, so processes started side by side never collide.
                ["Grpc__Port"] = "0",
            },
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        foreach (var argument in launcher.Skip(1).Concat(launcher.Count > 0 ? ["dotnet"] : []))
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        Process = Process.Start(start)!;
        Process.OutputDataReceived += (_, line) =>
        {
            if (!string.IsNullOrEmpty(line.Data))
            {
                log.Enqueue(line.Data);
            }
        };
        Process.ErrorDataReceived += (_, line) =>
        {
            if (!string.IsNullOrEmpty(line.Data))
            {
                errors.Enqueue(line.Data);
            }
        };
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public int Port { get; }

    public Uri Address { get; }

    /// <summary>The lines the service wrote to standard output; all of them once it has exited and <c>WaitForExit()</c> returned.</summary>
    public IReadOnlyCollection<string> Log => log;

    /// <summary>The lines the service (or a native library inside it) wrote to standard error; all of them once it has exited.</summary>
    public IReadOnlyCollection<string> ErrorLog => errors;

    /// <summary>Starts the service; <paramref name="launcher"/> (a command and its options) runs <c>dotnet</c> for it, if given.</summary>
    public static ServiceProcess Start(params string[] launcher) => new(launcher);

    /// <summary>Starts the service with <paramref name="environment"/> on top of its usual variables.</summary>
    public static ServiceProcess StartWith(IReadOnlyDictionary<string, string> environment) => new([], environment);

    public async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address };
        await Poll.UntilAsync(
            async () =>
            {
                if (Process.HasExited)
                {
                    throw new InvalidOperationException($"the service exited with {Process.ExitCode} before it was ready");
                }

                try
                {
                    using var response = await client.GetAsync("/health/ready");
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet
                }
            },
            "the service did not become ready",
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(100));
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
