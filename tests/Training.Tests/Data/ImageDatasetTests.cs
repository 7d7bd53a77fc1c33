using Autoencoder.Training.Data;

namespace Autoencoder.Training.Tests.Data;

public sealed class ImageDatasetTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void LoadsTheSharedMnistSubsetWithCountsFromTheHeaders()
    {
        var dataset = ImageDataset.LoadIdx(TestData.Mnist);

        Assert.Equal("mnist", dataset.Name);
        Assert.Equal(10_000, dataset.Train.Count);
        Assert.Equal(10_000, dataset.Test.Count);
        Assert.Equal((28, 28), (dataset.Train.Images.Rows, dataset.Train.Images.Columns));
        Assert.Equal(7, dataset.Test.Labels[0]); // the first t10k digit is a 7
        Assert.Equal(5, dataset.Train.Labels[0]); // the first training digit is a 5
    }

    [Fact]
    public void OnlyTheListedClassesAreKeptInBothSplits()
    {
        var dataset = ImageDataset.LoadIdx(TestData.Mnist);

        var threes = dataset.OnlyClasses(["3"]);
        var oddPair = dataset.OnlyClasses(["9", "1"]);

        Assert.Equal(dataset.Train.Labels.Count(label => label == 3), threes.Train.Count);
        Assert.Equal(dataset.Test.Labels.Count(label => label == 3), threes.Test.Count);
        Assert.All(threes.Train.Labels.Concat(threes.Test.Labels), label => Assert.Equal(3, label));
        Assert.Equal(["3"], threes.SelectedClasses);
        Assert.Equal(dataset.Test.Labels.Count(label => label is 1 or 9), oddPair.Test.Count);
        Assert.Equal(["1", "9"], oddPair.SelectedClasses);
        Assert.Null(dataset.SelectedClasses);
    }

    [Fact]
    public void AClassThatIsNotThereIsRefusedNamingThoseThatAre()
    {
        var dataset = ImageDataset.LoadIdx(TestData.Mnist);

        var error = Assert.Throws<ArgumentException>(() => dataset.OnlyClasses(["3", "shoe"]));

        Assert.Equal("'shoe' is not a class of mnist; its classes are 0, 1, 2, 3, 4, 5, 6, 7, 8, 9", error.Message);
    }

    [Fact]
    public void LoadsFullFashionMnistUnchanged()
    {
        var dataset = ImageDataset.LoadIdx(TestData.FashionMnist);

        Assert.Equal(60_000, dataset.Train.Count);
        Assert.Equal(10_000, dataset.Test.Count);
        Assert.Equal((28, 28), (dataset.Test.Images.Rows, dataset.Test.Images.Columns));
    }

    [Fact]
    public void PrefersRawFilesAndAcceptsAMixOfRawAndGzip()
    {
        IdxFiles.WriteDataset(temp.Path, train: 4, test: 3, gzip: true);
        IdxFiles.Write(temp.Path, "train-images-idx3-ubyte", IdxFiles.Images(6, 28, 28), gzip: false);
        IdxFiles.Write(temp.Path, "train-labels-idx1-ubyte", IdxFiles.Labels(6), gzip: false);

        var dataset = ImageDataset.LoadIdx(temp.Path);

        Assert.Equal(6, dataset.Train.Count);
        Assert.Equal(3, dataset.Test.Count);
    }

    [Fact]
    public void RejectsLabelsThatDoNotMatchTheImageCount()
    {
        IdxFiles.WriteDataset(temp.Path, train: 5, test: 3, gzip: false);
        IdxFiles.Write(temp.Path, "t10k-labels-idx1-ubyte", IdxFiles.Labels(4), gzip: false);

        var error = Assert.Throws<DataFileException>(() => ImageDataset.LoadIdx(temp.Path));

        Assert.EndsWith("t10k-labels-idx1-ubyte", error.FilePath, StringComparison.Ordinal);
        Assert.Contains("4 labels for the 3 images in t10k-images-idx3-ubyte", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamesTheMissingFile()
    {
        IdxFiles.WriteDataset(temp.Path, train: 2, test: 2, gzip: true);
        File.Delete(temp.File("t10k-images-idx3-ubyte.gz"));

        var error = Assert.Throws<DataFileException>(() => ImageDataset.LoadIdx(temp.Path));

        Assert.Equal(temp.File("t10k-images-idx3-ubyte") + "[.gz]", error.FilePath);
        Assert.Contains("file not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HoldingOutAValidationShareGivesDisjointSplitsThatDependOnlyOnTheSeed()
    {
        var images = ImageStack.Gray(100, 1, 1, [.. Enumerable.Range(0, 100).Select(i => (byte)i)]);
        var all = new LabelledImages(images, [.. Enumerable.Range(0, 100).Select(i => (byte)(i % 10))]);

        var (train, validation) = all.Split(0.1, seed: 5);
        var (_, again) = all.Split(0.1, seed: 5);
        var (_, other) = all.Split(0.1, seed: 6);

        Assert.Equal((90, 10), (train.Count, validation.Count));
        Assert.Empty(train.Images.Pixels.Intersect(validation.Images.Pixels));
        Assert.Equal(100, train.Images.Pixels.Union(validation.Images.Pixels).Count());
        Assert.Equal(validation.Images.Pixels.Select(pixel => (byte)(pixel % 10)), validation.Labels);
        Assert.Equal(validation.Images.Pixels, again.Images.Pixels);
        Assert.NotEqual(validation.Images.Pixels, other.Images.Pixels);
    }
}
