using System.Buffers;
using System.IO.Pipelines;
using Autoencoder.Api.Limits;

namespace Autoencoder.Api.Tests.Hardening;

public sealed class BufferedBodyTests
{
    [Theory]
    [InlineData(1, true)]
    [InlineData(300, true)]
    [InlineData(16 * 1024, true)]
    [InlineData((16 * 1024) + 1, false)]
    [InlineData(3_000_001, true)]
    [InlineData(3_000_001, false)]
    public async Task ABodyComesBackAsSentAndItsMemoryIsReturned(int length, bool declared)
    {
        var sent = new byte[length];
        new Random(length).NextBytes(sent);
        var budget = new BodyBufferBudget(4_000_000);

        using (var body = await BufferedBody.ReadAsync(new TrickleStream(sent), declared ? length : null, budget, CancellationToken.None))
        {
            Assert.Equal(sent, body.Content.ToArray());
            Assert.InRange(budget.InUse, length, declared ? length : (2 * length) + (16 * 1024));
        }

        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task ABodyThatFindsNoRoomThrowsAndGivesBackWhatItHeld()
    {
        var budget = new BodyBufferBudget(100_000);

        await Assert.ThrowsAsync<BodyBudgetExhaustedException>(() =>
            BufferedBody.ReadAsync(new TrickleStream(new byte[200_000]), 200_000, budget, CancellationToken.None));

        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task MemoryIsTakenAsBytesArriveNotForWhatAHeaderDeclares()
    {
        var budget = new BodyBufferBudget(100_000_000);
        using var stalled = new StallingStream(4);
        var reading = BufferedBody.ReadAsync(stalled, declaredLength: 10_000_000, budget, CancellationToken.None);
        await stalled.Stalled;

        Assert.InRange(budget.InUse, 4, 16 * 1024);
        stalled.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => reading);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task ABodyAlreadyReceivedWholeIsTakenAtOnce()
    {
        var sent = new byte[3_000];
        new Random(3).NextBytes(sent);
        var budget = new BodyBufferBudget(100_000);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(sent);

        using (var body = BufferedBody.TryTakeReceived(pipe.Reader, sent.Length, budget))
        {
            Assert.NotNull(body);
            Assert.Equal(sent, body.Content.ToArray());
            Assert.Equal(sent.Length, budget.InUse);
            Assert.False(pipe.Reader.TryRead(out _), "the body's bytes were left in the connection");
        }

        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task ABodyStillArrivingIsLeftWhereItWasForTheNextRead()
    {
        var budget = new BodyBufferBudget(100_000);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[2_000]);

        Assert.Null(BufferedBody.TryTakeReceived(pipe.Reader, 3_000, budget));

        // Nothing was consumed or marked as looked at: the next read gives the same bytes without waiting for more.
        var read = pipe.Reader.ReadAsync();
        Assert.True(read.IsCompleted, "the next read waits for bytes that are already there");
        Assert.Equal(2_000, (await read).Buffer.Length);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task ABodyReceivedWholeThatFindsNoRoomThrowsAndTakesNothing()
    {
        var budget = new BodyBufferBudget(1_000);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[2_000]);

        Assert.Throws<BodyBudgetExhaustedException>(() => BufferedBody.TryTakeReceived(pipe.Reader, 2_000, budget));

        Assert.Equal(0, budget.InUse);
        Assert.True(pipe.Reader.TryRead(out var left));
        Assert.Equal(2_000, left.Buffer.Length);
    }

    /// <summary>Gives its bytes a few at a time, as a network does.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 7_001)], cancellationToken);
    }

    /// <summary>Gives <c>count</c> bytes, then waits until disposed, then fails the read.</summary>
    private sealed class StallingStream(int count) : Stream
    {
        private readonly TaskCompletionSource stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool sent;

        public Task Stalled => stalled.Task;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!sent)
            {
                sent = true;
                return count;
            }

            stalled.TrySetResult();
            await closed.Task;
            throw new IOException("the client went away");
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            closed.TrySetResult();
            base.Dispose(disposing);
        }
    }
}
