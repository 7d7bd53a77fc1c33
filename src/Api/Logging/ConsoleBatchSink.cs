using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Autoencoder.Api.Logging;

/// <summary>
/// Writes log events to a text writer (the console) in batches: each batch is formatted into one buffer and written
/// with one call. Serilog's console sink writes and flushes every event, a system call per request line, which under
/// load cost more than formatting the line. Serilog's batching queue calls this from its own background task, so a
/// request never waits for the terminal or pipe.
/// </summary>
public sealed class ConsoleBatchSink(ITextFormatter formatter, TextWriter output) : IBatchedLogEventSink
{
    private readonly StringBuilder buffer = new();

    public Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        // Serilog emits one batch at a time, so the buffer is never shared.
        buffer.Clear();
        using (var writer = new StringWriter(buffer, System.Globalization.CultureInfo.InvariantCulture))
        {
            foreach (var logEvent in batch)
            {
                formatter.Format(logEvent, writer);
            }
        }

        output.Write(buffer);
        output.Flush();
        return Task.CompletedTask;
    }

    /// <summary>
    /// An event waits at most 50 ms for the rest of its batch, short enough that a person watching sees it at once.
    /// If the console falls behind, at most 10,000 events wait (a few megabytes); beyond that, events are dropped
    /// rather than held in memory.
    /// </summary>
    public static Serilog.Configuration.BatchingOptions Batching => new()
    {
        BatchSizeLimit = 1000,
        BufferingTimeLimit = TimeSpan.FromMilliseconds(50),
        EagerlyEmitFirstEvent = true,
        QueueLimit = 10_000,
    };
}
