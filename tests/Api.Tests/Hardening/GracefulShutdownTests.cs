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
        using var service = ServiceProcess.Start();
        await service.WaitUntilReadyAsync();

        using var inFlight = await SlowUpload.StartAsync(service.Address, "/reconstruct", Digits.Png(0), "image/png");
        await BodyBeingReceivedAsync(service.Address); // the request is in, half its body read
        PosixSignals.Terminate(service.Process);
        var refused = await RefusesConnectionsWithinAsync(service.Address, TimeSpan.FromSeconds(10)); // the request is still open
        var status = await inFlight.FinishAsync();
        var exited = service.Process.WaitForExit(TimeSpan.FromSeconds(20));

        Assert.True(refused, "the server still accepted connections after SIGTERM");
        Assert.Equal(200, status);
        Assert.True(exited, "the server did not exit within 20 s of SIGTERM");
        Assert.Equal(0, service.Process.ExitCode);

        // The console log is JSON, one event per line, and nothing queued is lost at exit.
        service.Process.WaitForExit(); // drains the redirected output
        var events = service.Log.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Contains(events, e => e.GetProperty("@m").GetString() is { } message
            && message.Contains("/reconstruct", StringComparison.Ordinal) && e.GetProperty("StatusCode").GetInt32() == 200);
        Assert.Contains(events, e => e.GetProperty("@m").GetString()!.Contains("shutting down", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task SigTermWhileStartingStopsTheServiceEvenAsPidOne()
    {
        // A container's PID 1 gets only the signals it has a handler for; unshare makes the service PID 1 of a new PID
        // namespace, as in a container. The signal comes while the service starts, before it is ready: once
        // WebApplication.CreateBuilder, which runs after Program's first line, loads what reads appsettings.json. (Once
        // Program's assembly is mapped, that line may not have run yet on a busy machine, and a SIGTERM then is lost.)
        var unshare = PidNamespace.Unshare();
        Skip.If(unshare.Refused is not null, unshare.Refused);
        using var service = ServiceProcess.Start(unshare.Command);
        var pidOne = NamespaceInit(service.Process);
        WaitUntilLoaded(pidOne, "Microsoft.Extensions.Configuration.Json.dll");

        PosixSignals.Terminate(pidOne);

        Assert.True(service.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the service went on starting after SIGTERM");
        Assert.True(await ConnectionRefusedAsync(service.Address), "the service still listens");
    }

    /// <summary>The host's process id of the new PID namespace's first process: unshare's only child.</summary>
    private static int NamespaceInit(Process unshare)
    {
        var children = $"/proc/{unshare.Id}/task/{unshare.Id}/children";
        var ids = "";
        Poll.Until(() => unshare.HasExited || (File.Exists(children) && (ids = File.ReadAllText(children).Trim()).Length > 0), "unshare started no process");
        return ids.Length > 0 ? int.Parse(ids.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) : throw new InvalidOperationException("unshare exited without starting a process");
    }

    /// <summary>Waits until <paramref name="processId"/> has mapped <paramref name="assembly"/>: its code is about to run.</summary>
    private static void WaitUntilLoaded(int processId, string assembly) => Poll.Until(
        () => File.ReadAllText($"/proc/{processId}/maps").Contains(assembly, StringComparison.Ordinal),
        $"process {processId} did not load {assembly}",
        TimeSpan.FromSeconds(60),
        TimeSpan.FromMilliseconds(5));

    /// <summary>Waits until the service holds memory for a request body: a request is in and its body arriving.</summary>
    private static async Task BodyBeingReceivedAsync(Uri server)
    {
        using var client = new HttpClient { BaseAddress = server };
        await Poll.UntilAsync(
            async () =>
            {
                var metrics = await client.GetStringAsync("/metrics");
                var gauge = metrics.Split('\n').FirstOrDefault(line => line.StartsWith("autoencoder_buffered_body_bytes ", StringComparison.Ordinal));
                return gauge is not null && double.Parse(gauge.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) > 0;
            },
            "the service never began to receive the request's body",
            interval: TimeSpan.FromMilliseconds(20));
    }

    private static Task<bool> RefusesConnectionsWithinAsync(Uri server, TimeSpan patience) =>
        Poll.HoldsWithinAsync(() => ConnectionRefusedAsync(server), patience, TimeSpan.FromMilliseconds(50));

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
