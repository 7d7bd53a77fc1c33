using System.Reflection;

namespace Autoencoder.Training.Tests;

/// <summary>Where the tests find the repository, the shared data sets and scratch space.</summary>
internal static class TestData
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Real MNIST (10,000 training and the 10,000 test images), beside the repository; AUTOENCODER_MNIST overrides.</summary>
    public static string Mnist =>
        Environment.GetEnvironmentVariable("AUTOENCODER_MNIST")
        ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", "mnist"));

    /// <summary>Full Fashion-MNIST as Debian's dataset-fashion-mnist installs it; AUTOENCODER_FASHION_MNIST overrides.</summary>
    public static string FashionMnist =>
        Environment.GetEnvironmentVariable("AUTOENCODER_FASHION_MNIST") ?? "/usr/share/datasets/fashion-mnist";

    public static string NuGetPackageRoot =>
        typeof(TestData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "NuGetPackageRoot").Value!;

    public static TempDirectory CreateTempDirectory() => new();

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Autoencoder.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("tests must run from inside the repository (no Autoencoder.sln above " + AppContext.BaseDirectory + ")");
    }
}

/// <summary>A scratch folder deleted when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "autoencoder-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover scratch folder is harmless.
        }
    }
}
