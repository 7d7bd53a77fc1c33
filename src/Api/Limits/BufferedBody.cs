using System.Buffers;
using System.IO.Pipelines;

namespace Autoencoder.Api.Limits;

/// <summary>
/// A request body read whole into pooled segments, within a <see cref="BodyBufferBudget"/>. Segments are taken as the
/// bytes arrive, never for what a header merely declares: a client that declares 10 MB and sends 4 bytes holds one
/// small segment, so idle and trickling senders cost next to nothing while they wait to be cut off.
/// </summary>
public sealed class BufferedBody : IDisposable
{
    /// <summary>The first segment; a digit's PNG (a few hundred bytes) fits in one exactly its size.</summary>
    private const int FirstSegmentBytes = 16 * 1024;

    /// <summary>Segments double up to this, so a 96 MB bulk body takes about a hundred of them.</summary>
    private const int LargestSegmentBytes = 1024 * 1024;

    private readonly BodyBufferBudget budget;
    private readonly List<(byte[] Array, int Length)> segments = [];
    private long reserved;

    private BufferedBody(BodyBufferBudget budget) => this.budget = budget;

    /// <summary>The body, as sent.</summary>
    public ReadOnlySequence<byte> Content { get; private set; }

    /// <summary>
    /// Reads <paramref name="body"/> to its end. Throws <see cref="BodyBudgetExhaustedException"/> when the budget has no
    /// room for the next segment; the server's own limits (body size, minimum data rate) throw as they do for any read.
    /// </summary>
    public static async Task<BufferedBody> ReadAsync(Stream body, long? declaredLength, BodyBufferBudget budget, CancellationToken cancellationToken)
    {
        var buffered = new BufferedBody(budget);
        try
        {
            await buffered.FillAsync(body, declaredLength, cancellationToken);
            return buffered;
        }
        catch
        {
            buffered.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The body, if the server has already received all of it (what it declared, up to <see cref="LargestSegmentBytes"/>):
    /// copied into one segment at once, with no wait that a deadline would have to bound. Null, with nothing read, if
    /// more is still to come; then <see cref="ReadAsync"/> reads it from the same reader. Throws
    /// <see cref="BodyBudgetExhaustedException"/> when the budget has no room for it.
    /// </summary>
    public static BufferedBody? TryTakeReceived(PipeReader reader, long declaredLength, BodyBufferBudget budget)
    {
        if (declaredLength <= 0 || declaredLength > LargestSegmentBytes || !reader.TryRead(out var result))
        {
            return null;
        }

        var received = result.Buffer;
        if (received.Length < declaredLength)
        {
            // Neither consumed nor examined: the next read gives these bytes again at once.
            reader.AdvanceTo(received.Start);
            return null;
        }

        var size = (int)declaredLength;
        if (!budget.TryReserve(size))
        {
            reader.AdvanceTo(received.Start);
            throw new BodyBudgetExhaustedException();
        }

        var buffered = new BufferedBody(budget) { reserved = size };
        var array = ArrayPool<byte>.Shared.Rent(size);
        received.Slice(0, size).CopyTo(array);
        reader.AdvanceTo(received.GetPosition(size));
        buffered.segments.Add((array, size));
        buffered.Content = new ReadOnlySequence<byte>(array, 0, size);
        return buffered;
    }

    public void Dispose()
    {
        foreach (var (array, _) in segments)
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        segments.Clear();
        Content = ReadOnlySequence<byte>.Empty;
        budget.Release(reserved);
        reserved = 0;
    }

    private async Task FillAsync(Stream body, long? declaredLength, CancellationToken cancellationToken)
    {
        long total = 0;
        var next = FirstSegmentBytes;
        while (true)
        {
            // A body of declared length ends there; the server gives no byte past it.
            var remaining = declaredLength is { } declared ? declared - total : long.MaxValue;
            if (remaining <= 0)
            {
                break;
            }

            var size = (int)Math.Min(next, remaining);
            next = Math.Min(next * 2, LargestSegmentBytes);
            if (!budget.TryReserve(size))
            {
                throw new BodyBudgetExhaustedException();
            }

            reserved += size;
            var array = ArrayPool<byte>.Shared.Rent(size);
            var filled = await body.ReadAtLeastAsync(array.AsMemory(0, size), size, throwOnEndOfStream: false, cancellationToken);
            segments.Add((array, filled));
            total += filled;
            if (filled < size)
            {
                break;
            }
        }

        Content = Sequence();
    }

    private ReadOnlySequence<byte> Sequence()
    {
        var used = segments.Where(segment => segment.Length > 0).ToList();
        if (used.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        if (used.Count == 1)
        {
            return new ReadOnlySequence<byte>(used[0].Array, 0, used[0].Length);
        }

        var first = new Segment(used[0].Array.AsMemory(0, used[0].Length), 0);
        var last = first;
        foreach (var (array, length) in used.Skip(1))
        {
            last = last.Append(array.AsMemory(0, length));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

/// <summary>The bodies being received already hold all the memory the server allows for them.</summary>
public sealed class BodyBudgetExhaustedException : Exception
{
    public BodyBudgetExhaustedException()
        : base("The memory for request bodies being received is taken.")
    {
    }

    public BodyBudgetExhaustedException(string message)
        : base(message)
    {
    }

    public BodyBudgetExhaustedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
