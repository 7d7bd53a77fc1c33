using System.Threading.RateLimiting;

namespace Autoencoder.Api.Limits;

/// <summary>
/// Bounds the pixels being decoded at once, all requests together. Decoding is where an upload's memory grows (a
/// small PNG can declare 16 million pixels, 64 MB as RGBA), so this, not a count of requests, is what keeps a burst
/// from exhausting memory: a digit takes almost nothing from the budget and never waits behind other digits, while
/// the largest images take turns. Waiters are served oldest first, so a large image is not starved by small ones.
/// A reservation is for the pixels really decoded (<see cref="Images.InspectedImage.PixelsToReserve"/>): a phone photo's
/// JPEG decoded at 1/8 scale takes a sixty-fourth of its declared size.
/// </summary>
public sealed class DecodeBudget : IDisposable
{
    /// <summary>The budget is counted in blocks of pixels; a 28x28 digit takes one.</summary>
    private const int PixelsPerPermit = 4096;

    private readonly ConcurrencyLimiter limiter;
    private readonly int permits;

    /// <param name="pixels">Pixels that may be decoded at once; at least one image of the largest size allowed.</param>
    public DecodeBudget(long pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pixels);
        permits = (int)Math.Min(int.MaxValue, Permits(pixels));
        limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = permits,

            // Waiters are already bounded by the inference concurrency limits: each request decodes one image at a time.
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Pixels that may be decoded now, without waiting.</summary>
    public long Available => limiter.GetStatistics()!.CurrentAvailablePermits * (long)PixelsPerPermit;

    /// <summary>Pixels that reservations are waiting for, rounded up to the budget's blocks.</summary>
    public long WaitingPixels => limiter.GetStatistics()!.CurrentQueuedCount * (long)PixelsPerPermit;

    /// <summary>
    /// Waits until <paramref name="pixels"/> fit in the budget and reserves them until the lease is disposed. Takes no
    /// allocation and no wait when they fit at once and nobody is waiting.
    /// </summary>
    public ValueTask<RateLimitLease> ReserveAsync(long pixels, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(permits, Permits(pixels));
        var lease = limiter.AttemptAcquire(count);
        if (lease.IsAcquired)
        {
            return ValueTask.FromResult(lease);
        }

        lease.Dispose();
        return WaitAsync(count, cancellationToken);
    }

    public void Dispose() => limiter.Dispose();

    private async ValueTask<RateLimitLease> WaitAsync(int count, CancellationToken cancellationToken)
    {
        var lease = await limiter.AcquireAsync(count, cancellationToken);
        if (!lease.IsAcquired)
        {
            // Only after Dispose: the queue is unbounded and every request fits the budget.
            lease.Dispose();
            throw new ObjectDisposedException(nameof(DecodeBudget));
        }

        return lease;
    }

    private static long Permits(long pixels) => Math.Max(1, (pixels + PixelsPerPermit - 1) / PixelsPerPermit);
}
