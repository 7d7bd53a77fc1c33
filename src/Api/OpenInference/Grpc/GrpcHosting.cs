using System.Net;
using Autoencoder.Api.Health;
using Autoencoder.Api.Limits;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.OpenInference.Grpc;

/// <summary>Where the gRPC port is bound, once the server has started (the port chosen when configured as 0).</summary>
public sealed class GrpcEndpoint
{
    internal ListenOptions? Listening { get; set; }

    public int? Port => Listening?.IPEndPoint?.Port;
}

/// <summary>
/// The protocol over gRPC on its own HTTP/2 port (<see cref="GrpcOptions.Port"/>), served by the same Kestrel, models,
/// limits and repository as REST: GRPCInferenceService, the standard grpc.health.v1 service (SERVING when
/// /health/ready is 200) and server reflection.
/// </summary>
public static class GrpcHosting
{
    public static IServiceCollection AddGrpcFrontDoor(this IServiceCollection services)
    {
        services.AddOptions<GrpcOptions>().BindConfiguration(GrpcOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<GrpcEndpoint>();
        services.AddGrpc(options => options.Interceptors.Add<GrpcErrors>());

        // The largest message is the largest REST body of the same kind, not gRPC's 4 MB default; answers are bounded
        // by the batch limits and the memory for answers instead.
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<LimitsOptions>>((options, limits) =>
        {
            options.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, limits.Value.MaxBulkBodyBytes);
            options.MaxSendMessageSize = null;
        });
        services.AddGrpcHealthChecks(options => options.Services.Map("", result => result.Tags.Contains(HealthApi.ReadyTag)));
        services.AddGrpcReflection();

        services.AddOptions<KestrelServerOptions>().Configure<IConfiguration, IOptions<GrpcOptions>, GrpcEndpoint>((kestrel, configuration, grpc, endpoint) =>
        {
            if (!grpc.Value.Enabled)
            {
                return;
            }

            // Listening on a port in code makes Kestrel ignore the configured addresses (ASPNETCORE_URLS, --urls,
            // ASPNETCORE_HTTP_PORTS), so they are listened on here as Kestrel would have.
            foreach (var address in HttpAddresses(configuration))
            {
                Listen(kestrel, address);
            }

            kestrel.ListenAnyIP(grpc.Value.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                endpoint.Listening = listen;
            });
        });
        return services;
    }

    public static void MapGrpcFrontDoor(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<GrpcOptions>>().Value.Enabled)
        {
            return;
        }

        var limits = app.Services.GetRequiredService<IOptions<LimitsOptions>>().Value;
        app.MapGrpcService<GrpcInferenceService>().Add(endpoint =>
        {
            // ModelInfer is let in as the REST inference routes are: its body received first, within the memory for
            // bodies, then an inference slot.
            if (endpoint.Metadata.OfType<GrpcMethodMetadata>().Any(method => method.Method.Name == nameof(GrpcInferenceService.ModelInfer)))
            {
                endpoint.Metadata.Add(InferenceEndpointMetadata.Instance);
                endpoint.Metadata.Add(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(limits.MaxBulkBodyBytes));
            }
        });
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
    }

    /// <summary>The HTTP addresses configured as Kestrel reads them: urls, else http_ports, else localhost:5000.</summary>
    private static IEnumerable<BindingAddress> HttpAddresses(IConfiguration configuration)
    {
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(BindingAddress.Parse);
        }

        if (configuration["http_ports"] is { Length: > 0 } ports)
        {
            return ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(port => BindingAddress.Parse($"http://*:{port}"));
        }

        return [BindingAddress.Parse("http://localhost:5000")];
    }

    private static void Listen(KestrelServerOptions kestrel, BindingAddress address)
    {
        if (!string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase) || address.IsUnixPipe)
        {
            throw new InvalidOperationException(
                $"'{address}': beside gRPC the service listens on plain HTTP addresses only (TLS belongs to the proxy or ingress in front). Set Grpc:Enabled to false to listen on it as Kestrel would.");
        }

        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(address.Port);
        }
        else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
        {
            kestrel.Listen(ip, address.Port);
        }
        else
        {
            // "*", "+" or a host name: every address, as Kestrel does.
            kestrel.ListenAnyIP(address.Port);
        }
    }
}
