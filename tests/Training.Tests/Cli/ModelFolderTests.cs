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
}
