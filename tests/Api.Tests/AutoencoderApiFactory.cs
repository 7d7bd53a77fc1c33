using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace Autoencoder.Api.Tests;

/// <summary>The real API on the repository's bundled models, with settings a test suite may change.</summary>
public class AutoencoderApiFactory : WebApplicationFactory<Program>
{
    public CollectingSink Logs { get; } = new();

    /// <summary>Configuration on top of appsettings.json.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");

        builder.UseSetting("Models:Directory", TestData.ModelsDirectory);

        // A server on a real port (KestrelApiFactory) opens the gRPC port only where a suite asks for it.
        builder.UseSetting("Grpc:Enabled", "false");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        // Serilog writes to every ILogEventSink in the container as well, so the tests can read the log.
        builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(Logs));
    }
}

/// <summary>An API whose settings are given at construction, for one-off configurations.</summary>
public sealed class ConfiguredApiFactory(IReadOnlyDictionary<string, string?> settings) : AutoencoderApiFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings => settings;
}

/// <summary>Keeps every log event written.</summary>
public sealed class CollectingSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> events = new();

    public IReadOnlyCollection<LogEvent> Events => events;

    public void Emit(LogEvent logEvent) => events.Enqueue(logEvent);
}
