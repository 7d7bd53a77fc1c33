using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Autoencoder.Api.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

namespace Autoencoder.Api.Tests.Logging;

public sealed class ConsoleBatchSinkTests
{
    [Fact]
    public async Task ABatchIsOneWriteOfOneJsonLinePerEventWithItsTraceId()
    {
        var output = new CountingWriter();
        var sink = new ConsoleBatchSink(new RenderedCompactJsonFormatter(), output);
        var trace = ActivityTraceId.CreateRandom();
        LogEvent[] batch = [.. Enumerable.Range(0, 3).Select(i => Event($"request {i}", trace))];

        await sink.EmitBatchAsync(batch);

        Assert.Equal(1, output.Writes);
        Assert.Equal(1, output.Flushes);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var json = JsonDocument.Parse(lines[i]).RootElement;
            Assert.Equal($"request {i}", json.GetProperty("@m").GetString());
            Assert.Equal(trace.ToHexString(), json.GetProperty("@tr").GetString());
        }
    }

    [Fact]
    public async Task EachBatchStartsFromAnEmptyBuffer()
    {
        var output = new CountingWriter();
        var sink = new ConsoleBatchSink(new RenderedCompactJsonFormatter(), output);

        await sink.EmitBatchAsync([Event("first", ActivityTraceId.CreateRandom())]);
        await sink.EmitBatchAsync([Event("second", ActivityTraceId.CreateRandom())]);

        Assert.Equal(2, output.Writes);
        Assert.Equal(2, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void EventsLoggedThroughSerilogReachTheWriterWhenTheLoggerCloses()
    {
        var output = new CountingWriter();
        var logger = new LoggerConfiguration()
            .WriteTo.Sink(new ConsoleBatchSink(new RenderedCompactJsonFormatter(), output), ConsoleBatchSink.Batching)
            .CreateLogger();

        for (var i = 0; i < 500; i++)
        {
            logger.Information("event {Number}", i);
        }

        logger.Dispose();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(500, lines.Length);
        Assert.Equal("event 499", JsonDocument.Parse(lines[^1]).RootElement.GetProperty("@m").GetString());
        Assert.True(output.Writes < 500, $"{output.Writes} writes for 500 events");
    }

    private static LogEvent Event(string message, ActivityTraceId trace) =>
        new(DateTimeOffset.UnixEpoch, LogEventLevel.Information, null, new MessageTemplateParser().Parse(message), [], trace, ActivitySpanId.CreateRandom());

    private sealed class CountingWriter : StringWriter
    {
        public int Writes { get; private set; }

        public int Flushes { get; private set; }

        public override void Write(StringBuilder? value)
        {
            Writes++;
            base.Write(value);
        }

        public override void Write(string? value)
        {
            Writes++;
            base.Write(value);
        }

        public override void Flush()
        {
            Flushes++;
            base.Flush();
        }
    }
}
