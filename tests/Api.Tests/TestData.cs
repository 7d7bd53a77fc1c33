using Autoencoder.Core;

namespace Autoencoder.Api.Tests;

/// <summary>The repository's bundled models and real MNIST test digits.</summary>
public static class TestData
{
    private static readonly Lazy<byte[][]> TestDigits = new(() => ReadIdxImages(Path.Combine(Mnist, "t10k-images-idx3-ubyte.gz")));
    private static readonly Lazy<byte[][]> FashionTestItems = new(() => ReadIdxImages(Path.Combine(FashionMnist, "t10k-images-idx3-ubyte.gz")));
    private static readonly Lazy<byte[]> FashionTestLabels = new(() => ReadIdxLabels(Path.Combine(FashionMnist, "t10k-labels-idx1-ubyte.gz")));
    private static readonly Lazy<byte[]> TestDigitLabels = new(() => ReadIdxLabels(Path.Combine(Mnist, "t10k-labels-idx1-ubyte.gz")));

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ModelsDirectory => Path.Combine(RepositoryRoot, "models");

    /// <summary>Real MNIST beside the repository; AUTOENCODER_MNIST overrides.</summary>
    public static string Mnist =>
        Environment.GetEnvironmentVariable("AUTOENCODER_MNIST")
        ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", "mnist"));

    /// <summary>Full Fashion-MNIST (Debian's dataset-fashion-mnist); AUTOENCODER_FASHION_MNIST overrides.</summary>
    public static string FashionMnist =>
        Environment.GetEnvironmentVariable("AUTOENCODER_FASHION_MNIST") ?? "/usr/share/datasets/fashion-mnist";

    /// <summary>The 784 gray bytes of the t10k test digit at <paramref name="index"/>.</summary>
    public static byte[] TestDigit(int index) => TestDigits.Value[index];

    /// <summary>The 784 gray bytes of the Fashion-MNIST test item at <paramref name="index"/>.</summary>
    public static byte[] FashionItem(int index) => FashionTestItems.Value[index];

    /// <summary>The labels of the whole t10k test set of MNIST or, for "fashion-mnist", of Fashion-MNIST.</summary>
    public static byte[] TestLabels(string dataset) => dataset == "fashion-mnist" ? FashionTestLabels.Value : TestDigitLabels.Value;

    /// <summary>The index of the first Fashion-MNIST test item of a class (6 is "shirt", 0 "T-shirt/top", 7 "sneaker").</summary>
    public static int FirstFashionItemOfClass(byte label) => Array.IndexOf(FashionTestLabels.Value, label);

    /// <summary>
    /// <paramref name="count"/> images of a gzip IDX file, the first or from <paramref name="start"/> on, as an IDX file
    /// (raw) of their own.
    /// </summary>
    public static byte[] IdxFile(string gzipPath, int count, int start = 0)
    {
        var (header, pixels) = Idx.ReadImages(Idx.Decompress(File.ReadAllBytes(gzipPath)));
        var file = new byte[Idx.ImageHeaderLength + (count * header.PixelsPerImage)];
        Idx.WriteImageHeader(file, count, header.Rows, header.Columns);
        pixels.AsSpan(start * header.PixelsPerImage, count * header.PixelsPerImage).CopyTo(file.AsSpan(Idx.ImageHeaderLength));
        return file;
    }

    private static byte[] ReadIdxLabels(string path) => Idx.ReadLabels(Idx.Decompress(File.ReadAllBytes(path)));

    private static byte[][] ReadIdxImages(string path)
    {
        var (header, pixels) = Idx.ReadImages(Idx.Decompress(File.ReadAllBytes(path)));
        var size = header.PixelsPerImage;
        return [.. Enumerable.Range(0, header.Count).Select(i => pixels.AsSpan(i * size, size).ToArray())];
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
