namespace Autoencoder.Api.Tests;

/// <summary>
/// Waits for what another thread or process brings about (a server ready, a body half received, a log line written) by
/// checking for it every few milliseconds until a deadline: the one way these tests wait, never a fixed delay.
/// </summary>
internal static class Poll
{
    /// <summary>Long enough for a loaded two-core machine; a condition that holds at all holds in far less.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    /// <summary>Completes once <paramref name="condition"/> holds; a <see cref="TimeoutException"/> saying <paramref name="failure"/> after <paramref name="patience"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, string failure, TimeSpan? patience = null) =>
        UntilAsync(() => Task.FromResult(condition()), failure, patience);

    /// <inheritdoc cref="UntilAsync(Func{bool}, string, TimeSpan?)"/>
    public static async Task UntilAsync(Func<Task<bool>> condition, string failure, TimeSpan? patience = null, TimeSpan? interval = null)
    {
        if (!await HoldsWithinAsync(condition, patience ?? Patience, interval))
        {
            throw new TimeoutException(failure);
        }
    }

    /// <summary>Whether <paramref name="condition"/> comes to hold within <paramref name="patience"/>, for a test that asserts either way.</summary>
    public static async Task<bool> HoldsWithinAsync(Func<Task<bool>> condition, TimeSpan patience, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(interval ?? Interval);
        }

        return true;
    }

    /// <summary>
    /// <see cref="UntilAsync(Func{bool}, string, TimeSpan?)"/> on the calling thread, for a moment that passes quickly
    /// (a process between loading an assembly and running it), which a hop through the thread pool could miss.
    /// </summary>
    public static void Until(Func<bool> condition, string failure, TimeSpan? patience = null, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? Patience);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure);
            }

            Thread.Sleep(interval ?? Interval);
        }
    }
}
