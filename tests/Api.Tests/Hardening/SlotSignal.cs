using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>
/// Completes when the host under test leases a request slot: ASP.NET Core's rate limiting middleware adds one to
/// <c>aspnetcore.rate_limiting.active_request_leases</c> as it lets a request in. Only the instruments of this host's
/// meter factory are heard, so tests running at the same time do not signal each other.
/// </summary>
internal sealed class SlotSignal : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly TaskCompletionSource leased = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SlotSignal(IServiceProvider services)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name == "aspnetcore.rate_limiting.active_request_leases")
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, change, _, _) =>
        {
            if (change > 0)
            {
                leased.TrySetResult();
            }
        });
        listener.Start();
    }

    /// <summary>Completes once a request holds a slot; fails after 30 s.</summary>
    public Task Leased => leased.Task.WaitAsync(TimeSpan.FromSeconds(30));

    public void Dispose() => listener.Dispose();
}
