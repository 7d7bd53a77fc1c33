using System.Net;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>
/// The real API served by real Kestrel on a loopback port the OS picks: unlike the in-memory TestServer, Kestrel
/// enforces request body limits (413) and header limits (431), so hostile input meets the server clients meet.
/// </summary>
public sealed class KestrelApiFactory : AutoencoderApiFactory
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
}
