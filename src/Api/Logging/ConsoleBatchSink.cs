using System.Collections.Concurrent;
using System.Text;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting;

namespace Autoencoder.Api.Logging;

/// <summary>
/// Writes log events to a text writer (the console) from a background thread, in batches: every
/// <see cref="Period"/>, whatever has queued is formatted into one buffer and written with one call.
/// </summary>
/// <remarks>
/// Serilog's console sink writes and flushes every event, two system calls per request line; its batching wrapper and
/// Serilog.Sinks.Async wake their reader for every event. Under load each of those cost more than formatting the line:
/// behind Sinks.Async the console sink took 21-29% more CPU per request than this sink (docs/logging.md;
/// bench/logging.sh). Here a request only adds its event to a queue: no lock, no wake-up. At most
/// <see cref="QueueLimit"/> events wait (a few megabytes) if the console falls behind; beyond that, events are dropped
/// rather than held, and the count of dropped events goes to Serilog's self-log. Disposing writes out everything queued
/// before it returns.
/// </remarks>
public sealed class ConsoleBatchSink : ILogEventSink, IDisposable
{
    /// <summary>The longest an event waits before it is written: short enough that a person watching sees it at once.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);

    public const int QueueLimit = 10_000;

    /// <summary>Events per write when a backlog is drained.</summary>
    private const int WriteSize = 1_000;

    private readonly ITextFormatter formatter;
    private readonly TextWriter output;
    private readonly ConcurrentQueue<LogEvent> queue = new();
    private readonly StringBuilder buffer = new();
    private readonly StringWriter bufferWriter;
    private readonly ManualResetEventSlim stopping = new();
    private readonly Thread writer;
    private int queued;
    private long dropped;

    public ConsoleBatchSink(ITextFormatter formatter, TextWriter output)
    {
        this.formatter = formatter;
        this.output = output;
        bufferWriter = new StringWriter(buffer, System.Globalization.CultureInfo.InvariantCulture);
        writer = new Thread(WriteLoop) { IsBackground = true, Name = "console log" };
        writer.Start();
    }

    /// <summary>
    /// A writer for the process's standard output that reaches the operating system only when flushed, in writes of
    /// up to 64 KB. <see cref="Console.Out"/> flushes every 256 characters: two or three system calls per log line.
    /// </summary>
    public static TextWriter StandardOutput() => Buffered(Console.OpenStandardOutput());

    /// <summary>A UTF-8 writer (no byte order mark) over <paramref name="stream"/> that writes it in pieces of up to 64 KB.</summary>
    public static TextWriter Buffered(Stream stream) =>
        new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024);

    /// <summary>Events dropped so far because <see cref="QueueLimit"/> were already waiting.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    public void Emit(LogEvent logEvent)
    {
        if (Interlocked.Increment(ref queued) > QueueLimit)
        {
            Interlocked.Decrement(ref queued);
            Interlocked.Increment(ref dropped);
            return;
        }

        queue.Enqueue(logEvent);
    }

    public void Dispose()
    {
        if (stopping.IsSet)
        {
            return;
        }

        stopping.Set();
        writer.Join();
        stopping.Dispose();
    }

    private void WriteLoop()
    {
        long reportedDrops = 0;
        bool stop;
        do
        {
            stop = stopping.Wait(Period);
            try
            {
                Drain();
                var drops = Dropped;
                if (drops != reportedDrops)
                {
                    SelfLog.WriteLine("The console fell behind: {0} log events were dropped so far.", drops);
                    reportedDrops = drops;
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // A closed or broken console must not stop the loop (or the process); the self-log says why.
                SelfLog.WriteLine("Writing log events to the console failed: {0}", e);
                buffer.Clear();
            }
        }
        while (!stop);
    }

    /// <summary>Writes out the queue as it is now, <see cref="WriteSize"/> events per write.</summary>
    private void Drain()
    {
        var count = 0;
        while (queue.TryDequeue(out var logEvent))
        {
            Interlocked.Decrement(ref queued);
            formatter.Format(logEvent, bufferWriter);
            if (++count == WriteSize)
            {
                Write();
                count = 0;
            }
        }

        if (count > 0)
        {
            Write();
        }
    }

    private void Write()
    {
        output.Write(buffer);
        output.Flush();
        buffer.Clear();
    }
}
