namespace Autoencoder.Api.Limits;

/// <summary>
/// Bytes held at once, all requests together, against a capacity, and shown on a gauge. A reservation that does not fit
/// fails at once rather than waiting: two requests each holding half the budget and waiting for the other's half would
/// otherwise wait for each other until both timed out.
/// </summary>
public class ByteBudget(long capacity, Prometheus.Gauge? gauge = null)
{
    private long available = capacity;

    /// <summary>The budget's size.</summary>
    public long Capacity { get; } = capacity;

    /// <summary>Bytes reserved now.</summary>
    public long InUse => Capacity - Interlocked.Read(ref available);

    public bool TryReserve(long count)
    {
        if (Interlocked.Add(ref available, -count) >= 0)
        {
            gauge?.Inc(count);
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
            gauge?.Dec(count);
        }
    }
}
