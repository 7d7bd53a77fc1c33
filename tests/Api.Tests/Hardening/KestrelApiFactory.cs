using System.Net;
using Autoencoder.Api.Limits;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>
/// The real API served by real Kestrel on a loopback port the OS picks: unlike the in-memory TestServer, Kestrel
/// enforces request body limits (413) and header limits (431), so hostile input meets the server clients meet.
/// </summary>
public class KestrelApiFactory : AutoencoderApiFactory
{
    private readonly IReadOnlyDictionary<string, string?> settings;

    public KestrelApiFactory()
        : this(new Dictionary<string, string?>())
    {
    }

    internal KestrelApiFactory(IReadOnlyDictionary<string, string?> settings)
    {
        this.settings = settings;
        // 127.0.0.1 only, so nothing beyond this machine can reach the test server; port 0 so suites never collide.
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    protected override IReadOnlyDictionary<string, string?> Settings => settings;

    /// <summary>Settings where request bodies together may hold <paramref name="bytes"/>, and no one body more.</summary>
    internal static Dictionary<string, string?> BodyMemoryOf(long bytes) => new()
    {
        ["Limits:MaxUploadBodyBytes"] = $"{bytes}",
        ["Limits:MaxBulkBodyBytes"] = $"{bytes}",
        ["Limits:MaxJsonBodyBytes"] = $"{bytes}",
        ["Limits:BodyBufferBytes"] = $"{bytes}",
    };

    /// <summary>
    /// Here Kestrel is added after the app's services and brings its own buffer pool; in the app as it runs, Kestrel comes
    /// first and the app's pool replaces it. These tests meet the server as clients do, so the app's pool is put back.
    /// </summary>
    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureServices(services => services.AddSingleton<IMemoryPoolFactory<byte>, ConnectionBufferPool.Factory>());
        return base.CreateHost(builder);
    }
}
