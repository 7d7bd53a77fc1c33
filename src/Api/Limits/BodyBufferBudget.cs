using Autoencoder.Api.Metrics;

namespace Autoencoder.Api.Limits;

/// <summary>
/// Bytes of request bodies held in memory at once, all requests together (<see cref="LimitsOptions.BodyBufferBytes"/>).
/// A reservation that does not fit fails at once rather than waiting: two large bodies each holding half the budget
/// and waiting for the other's half would otherwise wait for each other until both timed out.
/// </summary>
public sealed class BodyBufferBudget(long bytes, ApiMetrics? metrics = null)
{
    private long available = bytes;

    /// <summary>The budget's size.</summary>
    public long Capacity { get; } = bytes;

    /// <summary>Bytes reserved now.</summary>
    public long InUse => Capacity - Interlocked.Read(ref available);

    public bool TryReserve(long count)
    {
        if (Interlocked.Add(ref available, -count) >= 0)
        {
            metrics?.BufferedBodyBytes.Inc(count);
            return true;
        }

        Interlocked.Add(ref available, count);
        return false;
    }

    public void Release(long count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref available, count);
            metrics?.BufferedBodyBytes.Dec(count);
        }
    }
}
