using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Autoencoder.Api.Logging;
using Serilog;
using Serilog.Formatting.Compact;

namespace Autoencoder.Api.Tests.Logging;

public sealed class ConsoleBatchSinkTests
{
    [Fact]
    public void EventsReachTheWriterInOrderAsJsonLinesWithTraceIdsInFarFewerWrites()
    {
        var output = new CountingWriter();
        var trace = ActivityTraceId.CreateRandom();
        using (var logger = Logger(new ConsoleBatchSink(new RenderedCompactJsonFormatter(), output)))
        {
            using var activity = new Activity("request").SetParentId(trace, ActivitySpanId.CreateRandom()).Start();
            for (var i = 0; i < 500; i++)
            {
                logger.Information("event {Number}", i);
            }
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(500, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var json = JsonDocument.Parse(lines[i]).RootElement;
            Assert.Equal($"event {i}", json.GetProperty("@m").GetString());
            Assert.Equal(trace.ToHexString(), json.GetProperty("@tr").GetString());
        }

        Assert.True(output.Writes < 50, $"{output.Writes} writes for 500 events");
    }

    [Fact]
    public async Task AnEventIsWrittenWithinAPeriodWhileTheLoggerStaysOpen()
    {
        var output = new CountingWriter();
        using var logger = Logger(new ConsoleBatchSink(new RenderedCompactJsonFormatter(), output));

        logger.Information("started");
        await Poll.UntilAsync(() => output.Writes > 0, "nothing was written while the logger stayed open", TimeSpan.FromSeconds(5));

        Assert.Contains("started", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WhenTheWriterFallsBehindEventsBeyondTheQueueLimitAreDroppedAndCounted()
    {
        using var stalled = new StalledWriter();
        var sink = new ConsoleBatchSink(new RenderedCompactJsonFormatter(), stalled);
        var logger = Logger(sink);
        logger.Information("first");
        Assert.True(stalled.Writing.Wait(TimeSpan.FromSeconds(5)), "the sink never wrote");

        for (var i = 0; i < ConsoleBatchSink.QueueLimit + 5; i++)
        {
            logger.Information("queued {Number}", i);
        }

        Assert.Equal(5, sink.Dropped);
        stalled.Release.Set();
        logger.Dispose();
        Assert.Equal(1 + ConsoleBatchSink.QueueLimit, stalled.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void TheBufferedWriterReachesItsStreamInLargePiecesOfUtf8WithoutAByteOrderMark()
    {
        var stream = new CountingStream();
        using (var logger = Logger(new ConsoleBatchSink(new RenderedCompactJsonFormatter(), ConsoleBatchSink.Buffered(stream))))
        {
            for (var i = 0; i < 2000; i++)
            {
                logger.Information("event {Number} é", i);
            }
        }

        var bytes = stream.ToArray();
        Assert.NotEqual(0xEF, bytes[0]);
        var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2000, lines.Length);
        Assert.Equal("event 1999 é", JsonDocument.Parse(lines[^1]).RootElement.GetProperty("@m").GetString());
        Assert.InRange(stream.Writes, 1, (bytes.Length / (64 * 1024)) + 2 * ((2000 / 1000) + 1));
    }

    private static Serilog.Core.Logger Logger(ConsoleBatchSink sink) => new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();

    private sealed class CountingWriter : StringWriter
    {
        private int writes;

        public int Writes => Volatile.Read(ref writes);

        public override void Write(StringBuilder? value)
        {
            lock (this)
            {
                writes++;
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (this)
            {
                writes++;
                base.Write(value);
            }
        }

        public override string ToString()
        {
            lock (this)
            {
                return base.ToString();
            }
        }
    }

    /// <summary>A console that hangs on its first write until released.</summary>
    private sealed class StalledWriter : StringWriter
    {
        public ManualResetEventSlim Writing { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public override void Write(StringBuilder? value)
        {
            Writing.Set();
            Release.Wait();
            base.Write(value);
        }

        protected override void Dispose(bool disposing)
        {
            Writing.Dispose();
            Release.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Writes++;
            base.Write(buffer);
        }
    }
}
