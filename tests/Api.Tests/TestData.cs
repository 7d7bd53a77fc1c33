using System.IO.Compression;
using System.Buffers.Binary;

namespace Autoencoder.Api.Tests;

/// <summary>The repository's bundled models and real MNIST test digits.</summary>
public static class TestData
{
    private static readonly Lazy<byte[][]> TestDigits = new(() => ReadIdxImages(Path.Combine(Mnist, "t10k-images-idx3-ubyte.gz")));

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ModelsDirectory => Path.Combine(RepositoryRoot, "models");

    /// <summary>Real MNIST beside the repository; AUTOENCODER_MNIST overrides.</summary>
    public static string Mnist =>
        Environment.GetEnvironmentVariable("AUTOENCODER_MNIST")
        ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", "mnist"));

    /// <summary>The 784 gray bytes of the t10k test digit at <paramref name="index"/>.</summary>
    public static byte[] TestDigit(int index) => TestDigits.Value[index];

    private static byte[][] ReadIdxImages(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        var bytes = memory.ToArray();
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        var size = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)) * BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        return [.. Enumerable.Range(0, count).Select(i => bytes.AsSpan(16 + (i * size), size).ToArray())];
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Autoencoder.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("tests must run from inside the repository");
    }
}
