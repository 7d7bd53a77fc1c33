using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Limits;

/// <summary>
/// Kestrel's connection buffers in 64 KB blocks where its own pool has 4 KB ones. A socket read fills at most one
/// block, so a 200 KB tensor body took some fifty reads, each a system call and a hand-off through the connection's
/// pipe; in 64 KB blocks it takes a few. Measured on 2 cores with the protocol benchmark's request (a bare Kestrel
/// endpoint, no inference): 0.07 ms of server CPU a request instead of 0.3, four times the requests a second.
/// </summary>
/// <remarks>
/// A connection holds a block while part of a request waits in it, so many connections sending slowly would hold 16
/// times the memory in 64 KB blocks. Large blocks are therefore counted against
/// <see cref="LimitsOptions.LargeConnectionBufferBytes"/> (all of Kestrel's pools together); past it, blocks are 4 KB
/// again, what Kestrel gives, and memory per connection is what it was. Blocks are pinned (sockets read into them in
/// place, as into Kestrel's) and reused.
/// </remarks>
public sealed class ConnectionBufferPool : MemoryPool<byte>
{
    public const int LargeBlockBytes = 64 * 1024;

    /// <summary>Kestrel's own block size.</summary>
    public const int SmallBlockBytes = 4 * 1024;

    /// <summary>Small blocks kept for reuse; past this, returned ones go to the garbage collector.</summary>
    private const int MaxFreeSmallBlocks = 1024;

    private readonly LargeBlockBudget budget;
    private readonly ConcurrentQueue<Block> freeLarge = new();
    private readonly ConcurrentQueue<Block> freeSmall = new();

    private ConnectionBufferPool(LargeBlockBudget budget) => this.budget = budget;

    public override int MaxBufferSize => LargeBlockBytes;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > LargeBlockBytes)
        {
            return Shared.Rent(minBufferSize);
        }

        if (freeLarge.TryDequeue(out var block))
        {
            return block;
        }

        if (budget.TryTake())
        {
            return new Block(this, LargeBlockBytes);
        }

        if (minBufferSize > SmallBlockBytes)
        {
            return Shared.Rent(minBufferSize);
        }

        return freeSmall.TryDequeue(out block) ? block : new Block(this, SmallBlockBytes);
    }

    protected override void Dispose(bool disposing)
    {
        // Large blocks in use when the server stops are not counted back: nothing rents after this.
        while (freeLarge.TryDequeue(out _))
        {
            budget.Give();
        }

        freeSmall.Clear();
    }

    private void Return(Block block)
    {
        if (block.Memory.Length == LargeBlockBytes)
        {
            freeLarge.Enqueue(block);
        }
        else if (freeSmall.Count < MaxFreeSmallBlocks)
        {
            freeSmall.Enqueue(block);
        }
    }

    /// <summary>Kestrel's memory pools, all drawing large blocks from one budget.</summary>
    public sealed class Factory(IOptions<LimitsOptions> limits) : IMemoryPoolFactory<byte>
    {
        private readonly LargeBlockBudget budget = new((int)Math.Min(int.MaxValue, limits.Value.LargeConnectionBufferBytes / LargeBlockBytes));

        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new ConnectionBufferPool(budget);
    }

    /// <summary>How many more large blocks may be made, all pools together.</summary>
    private sealed class LargeBlockBudget(int blocks)
    {
        private int left = blocks;

        public bool TryTake()
        {
            var current = Volatile.Read(ref left);
            while (current > 0)
            {
                var seen = Interlocked.CompareExchange(ref left, current - 1, current);
                if (seen == current)
                {
                    return true;
                }

                current = seen;
            }

            return false;
        }

        public void Give() => Interlocked.Increment(ref left);
    }

    /// <summary>A pinned array, handed out whole, that goes back to its pool when disposed.</summary>
    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly ConnectionBufferPool pool;

        public Block(ConnectionBufferPool pool, int bytes)
        {
            this.pool = pool;
            Memory = MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(bytes, pinned: true), 0, bytes);
        }

        public Memory<byte> Memory { get; }

        public void Dispose() => pool.Return(this);
    }
}
