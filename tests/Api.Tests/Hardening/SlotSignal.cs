using Autoencoder.Api.Limits;
using Autoencoder.Api.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>What the host under test holds: its inference slots in use and the memory its request bodies take.</summary>
internal static class SlotSignal
{
    /// <summary>Completes once a request holds a slot of <paramref name="kind"/> ("small" or "large"); fails after 30 s.</summary>
    public static Task HeldAsync(IServiceProvider services, string kind)
    {
        var inUse = services.GetRequiredService<ApiMetrics>().InferenceSlotsInUse.WithLabels(kind);
        return Poll.UntilAsync(() => inUse.Value > 0, $"no request took a {kind} inference slot");
    }

    /// <summary>Completes once the request bodies being received hold at least <paramref name="bytes"/>; fails after 30 s.</summary>
    public static Task BodiesHoldAsync(IServiceProvider services, long bytes)
    {
        var budget = services.GetRequiredService<BodyBufferBudget>();
        return Poll.UntilAsync(() => budget.InUse >= bytes, $"request bodies never held {bytes} bytes");
    }
}
