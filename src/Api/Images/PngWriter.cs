using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Autoencoder.Api.Images;

/// <summary>
/// Writes 8-bit gray or RGB PNGs: signature, IHDR, one IDAT, IEND. Every response image goes through here, and for a
/// 28x28 digit ImageSharp's general encoder spent most of its time setting up its own deflater; this one hands the
/// rows to the runtime's zlib at its fastest level (a digit comes out about 8% larger than at the default
/// level, in a fraction of the time). Rows are not filtered: on MNIST digits that deflates smaller than choosing
/// each row's filter by the usual smallest-sum heuristic (198 against 223 bytes on average), on Fashion-MNIST the
/// same, and costs nothing. A colour image is the same rows with three samples (red, green, blue) a pixel.
/// </summary>
public static class PngWriter
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A PNG of <paramref name="samples"/>: row-major, one byte a pixel (gray) or three (red, green, blue).</summary>
    /// <param name="samples">The image's samples, <paramref name="channels"/> a pixel.</param>
    /// <param name="width">Pixels a row.</param>
    /// <param name="height">Rows.</param>
    /// <param name="channels">1 for gray, 3 for RGB.</param>
    public static byte[] Write(ReadOnlySpan<byte> samples, int width, int height, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        RequireChannels(channels);
        var rowSamples = checked(width * channels);
        if (samples.Length != (long)rowSamples * height)
        {
            throw new ArgumentException($"A {width}x{height} image of {channels} channel(s) has {(long)rowSamples * height} samples, not {samples.Length}.", nameof(samples));
        }

        // Each row is its filter type byte (0, None) and its samples. A plain array rather than a pooled one: a bulk
        // grid can be tens of megabytes, which a pool would keep for the life of the process.
        var rowLength = rowSamples + 1;
        var scanlines = new byte[checked(rowLength * height)];
        for (var y = 0; y < height; y++)
        {
            samples.Slice(y * rowSamples, rowSamples).CopyTo(scanlines.AsSpan((y * rowLength) + 1, rowSamples));
        }

        using var png = new MemoryStream(capacity: 256 + (scanlines.Length / 2));
        WriteStart(png, width, height, channels);
        WriteDataChunk(png, scanlines);
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>
    /// Starts a <paramref name="width"/> x <paramref name="height"/> PNG written to <paramref name="output"/> as its
    /// rows are given, a band at a time: a grid of a hundred thousand images is never held whole, neither as pixels nor
    /// as PNG. Its bytes are a valid PNG once <see cref="Rows.CompleteAsync"/> has written the last row.
    /// </summary>
    public static Rows Start(Stream output, int width, int height, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        RequireChannels(channels);
        return new Rows(output, width, height, channels);
    }

    private static void RequireChannels(int channels)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "1 (gray) or 3 (RGB)");
        }
    }

    private static void WriteStart(MemoryStream png, int width, int height, int channels)
    {
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bits per sample
        header[9] = (byte)(channels == 1 ? 0 : 2); // colour type: grayscale, or RGB
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method 0 (each row then names its filter type)
        header[12] = 0; // no interlacing
        WriteChunk(png, "IHDR"u8, header);
    }

    /// <summary>The IDAT chunk: its length is only known once the zlib stream is written, so it is filled in after.</summary>
    private static void WriteDataChunk(MemoryStream png, ReadOnlySpan<byte> scanlines)
    {
        var start = png.Position;
        png.Write([0, 0, 0, 0]);
        png.Write("IDAT"u8);
        using (var zlib = new ZLibStream(png, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(scanlines);
        }

        var end = png.Position;
        var chunk = png.GetBuffer().AsSpan((int)start, (int)(end - start));
        BinaryPrimitives.WriteInt32BigEndian(chunk, checked((int)(end - start - 8)));
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(chunk[4..]));
        png.Write(crc);
    }

    private static void WriteChunk(MemoryStream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> field = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(field, data.Length);
        png.Write(field);
        png.Write(type);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(field, crc.GetCurrentHashAsUInt32());
        png.Write(field);
    }

    /// <summary>
    /// A PNG being written a band of rows at a time: the rows go through one zlib stream, whose output leaves as IDAT
    /// chunks of about <see cref="ChunkBytes"/> (a PNG may split its data over any number of them).
    /// </summary>
    public sealed class Rows : IAsyncDisposable
    {
        private const int ChunkBytes = 64 * 1024;

        private readonly Stream output;
        private readonly int rowSamples;
        private readonly int height;
        private readonly MemoryStream pending = new();
        private readonly ZLibStream zlib;
        private byte[] scanlines = [];
        private int written;
        private long chunkStart = -1;

        internal Rows(Stream output, int width, int height, int channels)
        {
            this.output = output;
            rowSamples = checked(width * channels);
            this.height = height;
            WriteStart(pending, width, height, channels);
            zlib = new ZLibStream(new DataSink(this), CompressionLevel.Fastest, leaveOpen: true);
        }

        /// <summary>Rows of <c>width</c> pixels' samples, top to bottom after those written before.</summary>
        public async ValueTask WriteAsync(ReadOnlyMemory<byte> samples, CancellationToken cancellationToken)
        {
            var rows = samples.Length / rowSamples;
            if (samples.Length != rows * rowSamples || written + rows > height)
            {
                throw new ArgumentException($"{samples.Length} bytes are not whole rows of {rowSamples}, or more than the {height - written} rows left.", nameof(samples));
            }

            var rowLength = rowSamples + 1;
            if (scanlines.Length < rows * rowLength)
            {
                scanlines = new byte[rows * rowLength];
            }

            for (var y = 0; y < rows; y++)
            {
                scanlines[y * rowLength] = 0;
                samples.Span.Slice(y * rowSamples, rowSamples).CopyTo(scanlines.AsSpan((y * rowLength) + 1, rowSamples));
            }

            zlib.Write(scanlines, 0, rows * rowLength);
            written += rows;
            await SendAsync(ChunkBytes, cancellationToken);
        }

        /// <summary>Ends the zlib stream and the PNG; every row must have been written.</summary>
        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            if (written != height)
            {
                throw new InvalidOperationException($"{written} of the PNG's {height} rows were written.");
            }

            zlib.Dispose();
            EndChunk();
            WriteChunk(pending, "IEND"u8, []);
            await SendAsync(0, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await zlib.DisposeAsync();
            await pending.DisposeAsync();
        }

        /// <summary>Sends what is pending once it holds at least <paramref name="atLeast"/> bytes, closing the IDAT chunk being filled.</summary>
        private async ValueTask SendAsync(int atLeast, CancellationToken cancellationToken)
        {
            if (pending.Length < Math.Max(1, atLeast))
            {
                return;
            }

            EndChunk();
            await output.WriteAsync(pending.GetBuffer().AsMemory(0, (int)pending.Length), cancellationToken);
            pending.SetLength(0);
        }

        /// <summary>Where compressed bytes go: into the open IDAT chunk of <see cref="pending"/>, opening one when none is.</summary>
        private void Append(ReadOnlySpan<byte> compressed)
        {
            if (chunkStart < 0)
            {
                chunkStart = pending.Length;
                pending.Write([0, 0, 0, 0]);
                pending.Write("IDAT"u8);
            }

            pending.Write(compressed);
        }

        /// <summary>Closes the open IDAT chunk: its length and CRC are known only now.</summary>
        private void EndChunk()
        {
            if (chunkStart < 0)
            {
                return;
            }

            var chunk = pending.GetBuffer().AsSpan((int)chunkStart, (int)(pending.Length - chunkStart));
            BinaryPrimitives.WriteInt32BigEndian(chunk, chunk.Length - 8);
            Span<byte> crc = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(chunk[4..]));
            pending.Write(crc);
            chunkStart = -1;
        }

        /// <summary>The zlib stream's output, taken synchronously into memory; the response is written asynchronously after.</summary>
        private sealed class DataSink(Rows rows) : Stream
        {
            public override bool CanRead => false;

            public override bool CanSeek => false;

            public override bool CanWrite => true;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override void Write(byte[] buffer, int offset, int count) => rows.Append(buffer.AsSpan(offset, count));

            public override void Write(ReadOnlySpan<byte> buffer) => rows.Append(buffer);

            public override void Flush()
            {
            }

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }
}
