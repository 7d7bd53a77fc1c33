using System.Globalization;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Metrics;

namespace Autoencoder.Api.Limits;

/// <summary>
/// Memory for what requests produce, all requests together (<see cref="LimitsOptions.WorkMemoryBytes"/>): the images,
/// latents and encoded answers of a bulk request, a grid, a protocol batch's output. A request reserves what it will
/// hold before the work starts, from its size as the client chose it, and keeps it until its answer is written. Routes
/// that stream their answer reserve one piece's worth, not the whole answer. A request that can never fit is refused
/// with 413 naming the limit; one that does not fit now, with 503 and Retry-After, at once rather than waiting: a
/// reservation is made once per request, so the memory comes back as the requests holding it finish.
/// </summary>
public sealed class WorkMemory(long capacity, ApiMetrics? metrics = null)
{
    private readonly ByteBudget budget = new(capacity, metrics?.WorkMemoryBytes);

    /// <summary>The budget's size.</summary>
    public long Capacity => budget.Capacity;

    /// <summary>Bytes reserved now.</summary>
    public long InUse => budget.InUse;

    /// <summary>
    /// Reserves <paramref name="bytes"/> for a request until the reservation is disposed; <paramref name="what"/> names
    /// what needs them in the answer's detail ("1,000 images as an IDX file").
    /// </summary>
    public Reservation Reserve(long bytes, string what)
    {
        bytes = Math.Max(bytes, 1);
        if (bytes > Capacity)
        {
            throw ClientInputException.TooLarge(
                $"{what} needs about {MiB(bytes)} of memory to answer, more than the {MiB(Capacity)} this server keeps for answers "
                + "(Limits:WorkMemoryBytes, sized from the memory it may use); ask for less in one request.");
        }

        if (!budget.TryReserve(bytes))
        {
            throw new OutOfRoomException(
                $"The server's memory for answers ({MiB(Capacity)}) is in use by other requests and {what} needs about {MiB(bytes)}; retry shortly.");
        }

        return new Reservation(budget, bytes);
    }

    private static string MiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0.1, Math.Round(bytes / 1048576.0, 1)):0.#} MiB");

    /// <summary>Memory held for one request; disposing it gives it back (once).</summary>
    public sealed class Reservation : IDisposable
    {
        private ByteBudget? owner;

        internal Reservation(ByteBudget owner, long bytes)
        {
            this.owner = owner;
            Bytes = bytes;
        }

        public long Bytes { get; }

        public void Dispose() => Interlocked.Exchange(ref owner, null)?.Release(Bytes);
    }
}
