using System.Buffers.Binary;
using System.IO.Compression;

namespace Autoencoder.Training.Tests.Data;

/// <summary>Writes small IDX files for tests, optionally broken in a chosen way.</summary>
internal static class IdxFiles
{
    public static byte[] Images(int count, int rows, int columns, int magic = 0x803, int? declaredCount = null, int extraBytes = 0, int missingBytes = 0)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), declaredCount ?? count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), columns);
        var pixels = new byte[(count * rows * columns) + extraBytes - missingBytes];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 7);
        }

        return [.. header, .. pixels];
    }

    public static byte[] Labels(int count, int magic = 0x801)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        return [.. header, .. Enumerable.Range(0, count).Select(i => (byte)(i % 10))];
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(raw);
        }

        return output.ToArray();
    }

    /// <summary>A data set folder with <paramref name="train"/> and <paramref name="test"/> images of 28x28.</summary>
    public static void WriteDataset(string directory, int train, int test, bool gzip)
    {
        Write(directory, "train-images-idx3-ubyte", Images(train, 28, 28), gzip);
        Write(directory, "train-labels-idx1-ubyte", Labels(train), gzip);
        Write(directory, "t10k-images-idx3-ubyte", Images(test, 28, 28), gzip);
        Write(directory, "t10k-labels-idx1-ubyte", Labels(test), gzip);
    }

    public static void Write(string directory, string name, byte[] raw, bool gzip)
    {
        if (gzip)
        {
            File.WriteAllBytes(Path.Combine(directory, name + ".gz"), Gzip(raw));
        }
        else
        {
            File.WriteAllBytes(Path.Combine(directory, name), raw);
        }
    }
}
