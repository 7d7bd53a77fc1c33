using Autoencoder.Training.Data;

namespace Autoencoder.Training.Tests.Data;

public sealed class MnistDownloaderTests : IDisposable
{
    // The digests the shared data's README gives for its re-packed MNIST files.
    private const string SharedChecksums = """
        fc1ad93b1612c6a7166b374e2443140ad049cb1314f9c8933d421711eb58faed  train-images-idx3-ubyte.gz
        e50cdc632b0937adbb0facf90e938fa7e911d2854a1463810507e6e4fa7accbf  train-labels-idx1-ubyte.gz
        167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b  t10k-images-idx3-ubyte.gz
        fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c  t10k-labels-idx1-ubyte.gz
        """;

    private readonly TempDirectory temp = TestData.CreateTempDirectory();
    private readonly LocalFileServer server = new(TestData.Mnist);
    private readonly HttpClient http = new();

    public void Dispose()
    {
        http.Dispose();
        server.Dispose();
        temp.Dispose();
    }

    [Fact]
    public async Task DownloadsAllFourFilesAndVerifiesThem()
    {
        var target = temp.File("data");
        var log = new StringWriter();

        await new MnistDownloader(http, log).DownloadAsync(server.BaseUrl, target, Checksums(), CancellationToken.None);

        foreach (var name in MnistFiles.All)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(TestData.Mnist, name + ".gz")), File.ReadAllBytes(Path.Combine(target, name + ".gz")));
        }

        Assert.Equal(10_000, ImageDataset.LoadIdx(target).Test.Count);
        Assert.Contains("checksum ok", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DoesNotFetchAFileThatIsAlreadyThereAndCorrect()
    {
        var target = temp.File("data");
        var downloader = new MnistDownloader(http, TextWriter.Null);
        await downloader.DownloadAsync(server.BaseUrl, target, Checksums(), CancellationToken.None);

        await downloader.DownloadAsync(server.BaseUrl, target, Checksums(), CancellationToken.None);

        Assert.All(MnistFiles.All, name => Assert.Equal(1, server.Requests[name + ".gz"]));
    }

    [Fact]
    public async Task RefusesAFileWhoseDigestDiffersAndLeavesNothingBehind()
    {
        var target = temp.File("data");

        // The shared files are re-packed, so the original distribution's digests do not match them.
        var error = await Assert.ThrowsAsync<DataFileException>(() =>
            new MnistDownloader(http, TextWriter.Null).DownloadAsync(server.BaseUrl, target, MnistDownloader.OriginalChecksums, CancellationToken.None));

        Assert.Contains("SHA-256 mismatch", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(target));
    }

    [Fact]
    public async Task ReportsTheHttpStatusOfAMissingFile()
    {
        using var emptyServer = new LocalFileServer(temp.Path);

        var error = await Assert.ThrowsAsync<DataFileException>(() =>
            new MnistDownloader(http, TextWriter.Null).DownloadAsync(emptyServer.BaseUrl, temp.File("data"), Checksums(), CancellationToken.None));

        Assert.Contains("HTTP 404", error.Message, StringComparison.Ordinal);
        Assert.StartsWith(emptyServer.BaseUrl.ToString(), error.FilePath, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsAMalformedChecksumFile()
    {
        var path = temp.File("SHA256SUMS");
        File.WriteAllText(path, "not-a-digest  train-images-idx3-ubyte.gz\n");

        var error = Assert.Throws<DataFileException>(() => MnistDownloader.ReadChecksumFile(path));

        Assert.Contains("not a sha256sum line", error.Message, StringComparison.Ordinal);
    }

    private IReadOnlyDictionary<string, string> Checksums()
    {
        var path = temp.File("SHA256SUMS");
        File.WriteAllText(path, SharedChecksums);
        return MnistDownloader.ReadChecksumFile(path);
    }
}
