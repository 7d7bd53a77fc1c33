using System.Text.Json;

namespace Autoencoder.Api.Tests;

/// <summary>Runtime settings the service is built with, as the real process (see GracefulShutdownTests) reads them.</summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void TheThreadPoolDoesNotAddWorkersByHillClimbing()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Autoencoder.Api.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));

        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.GetProperty("System.Threading.ThreadPool.HillClimbing.Disable").GetBoolean());
    }
}
