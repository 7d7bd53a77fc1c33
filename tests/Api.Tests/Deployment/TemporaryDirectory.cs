namespace Autoencoder.Api.Tests.Deployment;

/// <summary>An empty folder under the system's temporary folder, deleted with everything in it on dispose.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    private readonly DirectoryInfo directory = System.IO.Directory.CreateTempSubdirectory("autoencoder-deployment-");

    public string Path => directory.FullName;

    public void Dispose() => directory.Delete(recursive: true);
}
