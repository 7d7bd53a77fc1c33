using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>
/// The real service as its own process: SIGTERM stops it taking work, lets in-flight requests finish, writes out its
/// log and exits 0.
/// </summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task SigTermFinishesTheRequestInFlightAndExitsZero()
    {
        var port = FreePort();
        var log = new ConcurrentQueue<string>();
        using var service = StartService(port, log);
        using var stopIfLeftRunning = new KillOnDispose(service);
        var server = new Uri($"http://127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = server };
        await WaitUntilReadyAsync(client, service);

        using var inFlight = await SlowUpload.StartAsync(server, "/reconstruct", Digits.Png(0), "image/png");
        await Task.Delay(300);
        PosixSignals.Terminate(service);
        var refused = await RefusesConnectionsWithinAsync(server, TimeSpan.FromSeconds(10)); // the request is still open
        var status = await inFlight.FinishAsync();
        var exited = service.WaitForExit(TimeSpan.FromSeconds(20));

        Assert.True(refused, "the server still accepted connections after SIGTERM");
        Assert.Equal(200, status);
        Assert.True(exited, "the server did not exit within 20 s of SIGTERM");
        Assert.Equal(0, service.ExitCode);

        // The console log is JSON, one event per line, and nothing queued is lost at exit.
        service.WaitForExit(); // drains the redirected output
        var events = log.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Contains(events, e => e.GetProperty("@m").GetString() is { } message
            && message.Contains("/reconstruct", StringComparison.Ordinal) && e.GetProperty("StatusCode").GetInt32() == 200);
        Assert.Contains(events, e => e.GetProperty("@m").GetString()!.Contains("shutting down", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SigTermWhileStartingStopsTheServiceEvenAsPidOne()
    {
        // A container's PID 1 gets only the signals it has a handler for; unshare makes the service PID 1 of a new PID
        // namespace, as in a container. The signal comes once the service's own code is loaded, before it is ready.
        var port = FreePort();
        using var service = StartService(port, new ConcurrentQueue<string>(), asPidOne: true);
        using var stopIfLeftRunning = new KillOnDispose(service);
        var pidOne = NamespaceInit(service);
        WaitUntilLoaded(pidOne, Path.GetFileName(typeof(Program).Assembly.Location));
        await Task.Delay(100);

        PosixSignals.Terminate(pidOne);

        Assert.True(service.WaitForExit(TimeSpan.FromSeconds(30)), "the service went on starting after SIGTERM");
        Assert.True(await ConnectionRefusedAsync(new Uri($"http://127.0.0.1:{port}")), "the service still listens");
    }

    /// <summary>The host's process id of the new PID namespace's first process: unshare's only child.</summary>
    private static int NamespaceInit(Process unshare)
    {
        var children = $"/proc/{unshare.Id}/task/{unshare.Id}/children";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !unshare.HasExited)
        {
            if (File.Exists(children) && File.ReadAllText(children).Trim() is { Length: > 0 } ids)
            {
                return int.Parse(ids.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }

            Thread.Sleep(10);
        }

        throw new TimeoutException("unshare started no process");
    }

    /// <summary>Waits until <paramref name="processId"/> has mapped <paramref name="assembly"/>: its code is about to run.</summary>
    private static void WaitUntilLoaded(int processId, string assembly)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (File.ReadAllText($"/proc/{processId}/maps").Contains(assembly, StringComparison.Ordinal))
            {
                return;
            }

            Thread.Sleep(5);
        }

        throw new TimeoutException($"process {processId} did not load {assembly}");
    }

    /// <summary>Stops the service if a failure leaves it running, so that no test run leaves a server behind.</summary>
    private sealed class KillOnDispose(Process process) : IDisposable
    {
        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static Process StartService(int port, ConcurrentQueue<string> log, bool asPidOne = false)
    {
        var start = new ProcessStartInfo(asPidOne ? "unshare" : "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Models__Directory"] = TestData.ModelsDirectory,
                ["Inference__Device"] = "cpu",
            },
        };
        if (asPidOne)
        {
            foreach (var argument in new[] { "--pid", "--fork", "--mount-proc", "dotnet" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) =>
        {
            if (!string.IsNullOrEmpty(line.Data))
            {
                log.Enqueue(line.Data);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilReadyAsync(HttpClient client, Process service)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !service.HasExited)
        {
            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the service did not become ready");
    }

    private static async Task<bool> RefusesConnectionsWithinAsync(Uri server, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await ConnectionRefusedAsync(server))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    private static async Task<bool> ConnectionRefusedAsync(Uri server)
    {
        using var probe = new TcpClient();
        try
        {
            await probe.ConnectAsync(server.Host, server.Port);
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Sends SIGTERM from the test process itself: .NET 10 has no API for it (Process.Kill sends SIGKILL), and a minimal
/// system has no kill program.
/// </summary>
internal static class PosixSignals
{
    private const int SigTerm = 15; // the same number on every Linux architecture and on macOS

    public static void Terminate(Process process) => Terminate(process.Id);

    public static void Terminate(int processId)
    {
        if (Kill(processId, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, SIGTERM) failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int processId, int signal);
}
