using System.Threading.RateLimiting;
using Autoencoder.Api.Metrics;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Limits;

/// <summary>
/// The inference slots: a bounded number of requests run at once and the rest wait in a bounded queue, oldest first.
/// Small requests (a digit's PNG) and the rest take turns separately (see <see cref="RequestLimits.IsSmall"/>), so
/// thousands of digits a second are not held to the few slots that 20 MB uploads need. A request takes its slot only
/// once its body is in (see <see cref="InferenceAdmission"/>): a slot is for running the model, not for waiting on a
/// client.
/// </summary>
public sealed class InferenceSlots : IDisposable
{
    private readonly ConcurrencyLimiter small;
    private readonly ConcurrencyLimiter large;
    private readonly Prometheus.Gauge.Child smallInUse;
    private readonly Prometheus.Gauge.Child largeInUse;

    public InferenceSlots(IOptions<LimitsOptions> options, ApiMetrics metrics)
    {
        var limits = options.Value;
        small = Limiter(limits.EffectiveSmallRequestConcurrency, limits.InferenceQueue);
        large = Limiter(limits.EffectiveInferenceConcurrency, limits.InferenceQueue);
        smallInUse = metrics.InferenceSlotsInUse.WithLabels("small");
        largeInUse = metrics.InferenceSlotsInUse.WithLabels("large");
    }

    /// <summary>Waits for a slot of the request's kind; null when the queue is full too.</summary>
    public async ValueTask<Slot?> TakeAsync(bool isSmall, CancellationToken cancellationToken)
    {
        var lease = await (isSmall ? small : large).AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            return null;
        }

        return new Slot(lease, isSmall ? smallInUse : largeInUse);
    }

    public void Dispose()
    {
        small.Dispose();
        large.Dispose();
    }

    private static ConcurrencyLimiter Limiter(int permits, int queue) => new(new ConcurrencyLimiterOptions
    {
        PermitLimit = permits,
        QueueLimit = queue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>A slot held; disposing it lets the next request in.</summary>
    public sealed class Slot : IDisposable
    {
        private readonly RateLimitLease lease;
        private readonly Prometheus.Gauge.Child inUse;

        internal Slot(RateLimitLease lease, Prometheus.Gauge.Child inUse)
        {
            this.lease = lease;
            this.inUse = inUse;
            inUse.Inc();
        }

        public void Dispose()
        {
            inUse.Dec();
            lease.Dispose();
        }
    }
}
