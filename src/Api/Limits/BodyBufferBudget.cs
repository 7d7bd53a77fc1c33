using Autoencoder.Api.Metrics;

namespace Autoencoder.Api.Limits;

/// <summary>Bytes of request bodies held in memory at once, all requests together (<see cref="LimitsOptions.BodyBufferBytes"/>).</summary>
public sealed class BodyBufferBudget(long bytes, ApiMetrics? metrics = null) : ByteBudget(bytes, metrics?.BufferedBodyBytes);
