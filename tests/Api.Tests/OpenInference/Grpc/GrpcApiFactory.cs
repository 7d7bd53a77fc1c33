using Autoencoder.Api.OpenInference.Grpc;
using Autoencoder.Api.OpenInference.Grpc.Protocol;
using Autoencoder.Api.Tests.Hardening;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Autoencoder.Api.Tests.OpenInference.Grpc;

/// <summary>The real API on Kestrel with its gRPC port open (on a free port), over a models folder of copies.</summary>
public sealed class GrpcApiFactory : KestrelApiFactory
{
    public const string Key = "a-grpc-control-key";

    public GrpcApiFactory()
        : this(new Dictionary<string, string?>())
    {
    }

    internal GrpcApiFactory(IReadOnlyDictionary<string, string?> settings)
        : base(new Dictionary<string, string?>
        {
            ["Grpc:Enabled"] = "true",
            ["Grpc:Port"] = "0",
            ["urls"] = "http://127.0.0.1:0",
            ["Models:Control"] = "explicit",
            ["Models:ControlKey"] = Key,
        }.Concat(settings).GroupBy(pair => pair.Key).ToDictionary(group => group.Key, group => group.Last().Value))
    {
        var port = Services.GetRequiredService<GrpcEndpoint>().Port ?? throw new InvalidOperationException("the gRPC port is not bound");
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        Client = new GRPCInferenceService.GRPCInferenceServiceClient(Channel);
    }

    public GrpcChannel Channel { get; }

    public GRPCInferenceService.GRPCInferenceServiceClient Client { get; }

    /// <summary>Call options with the control key.</summary>
    public static CallOptions WithKey(string key = Key) => new(new Metadata { { "authorization", $"Bearer {key}" } });

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Channel.Dispose();
        }

        base.Dispose(disposing);
    }
}
