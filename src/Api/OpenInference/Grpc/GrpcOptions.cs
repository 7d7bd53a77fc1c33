using System.ComponentModel.DataAnnotations;

namespace Autoencoder.Api.OpenInference.Grpc;

/// <summary>The protocol's gRPC front door. Bound from the "Grpc" configuration section.</summary>
public sealed class GrpcOptions
{
    public const string Section = "Grpc";

    /// <summary>Whether the gRPC port is opened at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The HTTP/2 port gRPC is served on, beside the HTTP addresses: 8081, the gRPC port of KServe's and MLServer's
    /// runtimes, so their clients' and manifests' defaults apply. 0: any free port (tests).
    /// </summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 8081;
}
