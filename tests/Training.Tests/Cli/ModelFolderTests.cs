using Autoencoder.Training.Cli;

namespace Autoencoder.Training.Tests.Cli;

public sealed class ModelFolderTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void AFailureWhileWritingLeavesThePreviousModelUntouchedAndNoStagingFolder()
    {
        var output = Directory.CreateDirectory(temp.File("model")).FullName;
        File.WriteAllText(Path.Combine(output, "model.json"), "previous");

        Assert.Throws<IOException>(() => ModelFolder.Write<int>(output, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "encoder.onnx"), "half");
            throw new IOException("disk full");
        }));

        Assert.Equal(["model.json"], Directory.GetFiles(output).Select(Path.GetFileName));
        Assert.Equal("previous", File.ReadAllText(Path.Combine(output, "model.json")));
        Assert.Equal([output], Directory.GetDirectories(temp.Path));
    }

    [Fact]
    public void ACompleteWriteReplacesThePreviousModelWhole()
    {
        var output = Directory.CreateDirectory(temp.File("model")).FullName;
        File.WriteAllText(Path.Combine(output, "stale.png"), "old");

        var result = ModelFolder.Write(output, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "model.json"), "new");
            return 42;
        });

        Assert.Equal(42, result);
        Assert.Equal(["model.json"], Directory.GetFiles(output).Select(Path.GetFileName));
        Assert.Equal([output], Directory.GetDirectories(temp.Path));
    }

    [Fact]
    public void TheStagingFolderIsAHiddenSiblingOfTheDestination()
    {
        var output = temp.File("model");

        var staging = ModelFolder.Write(output, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "model.json"), "new");
            Assert.False(Directory.Exists(output));
            return staging;
        });

        Assert.Equal(temp.Path, Path.GetDirectoryName(staging));
        Assert.StartsWith(".model.", Path.GetFileName(staging), StringComparison.Ordinal);
        Assert.False(Directory.Exists(staging));
        Assert.Equal("new", File.ReadAllText(Path.Combine(output, "model.json")));
    }

    [Fact]
    public void AFailureWhileReplacingAFileLeavesThePreviousOneAndNoStagingFile()
    {
        var path = temp.File("model.json");
        File.WriteAllText(path, "previous");

        Assert.Throws<IOException>(() => ModelFolder.ReplaceFile(path, staging =>
        {
            File.WriteAllText(staging, "half");
            throw new IOException("disk full");
        }));

        Assert.Equal([path], Directory.GetFileSystemEntries(temp.Path));
        Assert.Equal("previous", File.ReadAllText(path));
    }

    [Fact]
    public void AVersionGoesIntoItsNumberedFolderUnlessTheFolderHoldsAModelOfItsOwn()
    {
        var output = Directory.CreateDirectory(temp.File("model")).FullName;

        Assert.Equal(output, ModelFolder.Destination(output, null));
        Assert.Equal(Path.Combine(output, "3"), ModelFolder.Destination(output, 3));

        File.WriteAllText(Path.Combine(output, "model.json"), "flat");
        Assert.Equal(output, ModelFolder.Destination(output, null));
        Assert.Throws<UsageException>(() => ModelFolder.Destination(output, 3));
    }

    [Fact]
    public void AFolderOfVersionsTakesOnlyAVersion()
    {
        var output = Directory.CreateDirectory(temp.File("versions")).FullName;
        Directory.CreateDirectory(Path.Combine(output, "1"));
        Directory.CreateDirectory(Path.Combine(output, "2"));

        var refused = Assert.Throws<UsageException>(() => ModelFolder.Destination(output, null));
        Assert.Contains("holds version folders (1, 2); name the version to write with --version N", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(output, "3"), ModelFolder.Destination(output, 3));
    }
}
