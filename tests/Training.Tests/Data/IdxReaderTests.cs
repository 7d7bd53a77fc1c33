using Autoencoder.Training.Data;

namespace Autoencoder.Training.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsCountSizeAndPixelsFromTheHeaderRawOrGzipped(bool gzip)
    {
        var raw = IdxFiles.Images(3, 4, 5);
        var path = temp.File("images");
        File.WriteAllBytes(path, gzip ? IdxFiles.Gzip(raw) : raw);

        var images = IdxReader.ReadImages(path);

        Assert.Equal((3, 4, 5), (images.Count, images.Rows, images.Columns));
        Assert.Equal(raw[16..], images.Pixels);
        Assert.Equal(raw[(16 + 20)..(16 + 40)], images.Image(1).ToArray());
    }

    [Fact]
    public void ReadsLabels()
    {
        var path = temp.File("labels.gz");
        File.WriteAllBytes(path, IdxFiles.Gzip(IdxFiles.Labels(12)));

        Assert.Equal(Enumerable.Range(0, 12).Select(i => (byte)(i % 10)), IdxReader.ReadLabels(path));
    }

    [Fact]
    public void RejectsAWrongMagicNumberNamingFileAndValue()
    {
        var path = temp.File("labels-as-images");
        File.WriteAllBytes(path, IdxFiles.Labels(5));

        var error = Assert.Throws<DataFileException>(() => IdxReader.ReadImages(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("magic number 0x00000801, where an IDX image file has 0x00000803 (unsigned bytes, 3 dimensions)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsATruncatedBody()
    {
        var path = temp.File("short");
        File.WriteAllBytes(path, IdxFiles.Images(10, 28, 28, missingBytes: 100));

        var error = Assert.Throws<DataFileException>(() => IdxReader.ReadImages(path));

        Assert.Contains("truncated: the header promises 7840 data bytes, the file has 7740", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsATruncatedHeader()
    {
        var path = temp.File("stub");
        File.WriteAllBytes(path, [0, 0, 8, 3, 0, 0]);

        var error = Assert.Throws<DataFileException>(() => IdxReader.ReadImages(path));

        Assert.Contains("shorter than the 16-byte IDX header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsATruncatedGzipStream()
    {
        var path = temp.File("cut.gz");
        var gzip = IdxFiles.Gzip(IdxFiles.Images(50, 28, 28));
        File.WriteAllBytes(path, gzip[..(gzip.Length / 2)]);

        var error = Assert.Throws<DataFileException>(() => IdxReader.ReadImages(path));

        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void RejectsBytesBeyondWhatTheHeaderDeclares()
    {
        var path = temp.File("long");
        File.WriteAllBytes(path, IdxFiles.Images(2, 28, 28, extraBytes: 3));

        var error = Assert.Throws<DataFileException>(() => IdxReader.ReadImages(path));

        Assert.Contains("3 unexpected bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReportsAMissingFile()
    {
        var error = Assert.Throws<DataFileException>(() => IdxReader.ReadImages(temp.File("absent")));

        Assert.Contains("file not found", error.Message, StringComparison.Ordinal);
    }
}
