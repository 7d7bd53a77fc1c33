using Autoencoder.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Training.Tests.Data;

public sealed class ImageFolderColourTests : IDisposable
{
    private static readonly Rgb24 Red = new(255, 0, 0);
    private static readonly Rgb24 Green = new(0, 255, 0);
    private static readonly Rgb24 Blue = new(0, 0, 255);

    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void ColourPicturesAreReadAsRedGreenAndBluePlanesAtTheirOwnSize()
    {
        // 6 high, 8 wide: the left half red, the right half blue, one green pixel at row 1, column 2.
        WritePicture(Path.Combine(temp.Path, "train", "a", "0.png"), 8, 6, (x, y) => (x, y) == (2, 1) ? Green : x < 4 ? Red : Blue);
        WritePicture(Path.Combine(temp.Path, "test", "a", "0.png"), 8, 6, (_, _) => Blue);

        var dataset = ImageFolderDataset.Load(temp.Path, channels: 3, size: null, seed: 1);

        var images = dataset.Train.Images;
        Assert.Equal((1, 3, 6, 8), (images.Count, images.Channels, images.Rows, images.Columns));
        var pixels = images.Image(0).ToArray();
        var plane = 6 * 8;
        byte At(int channel, int y, int x) => pixels[(channel * plane) + (y * 8) + x];
        Assert.Equal((255, 0, 0), (At(0, 0, 0), At(1, 0, 0), At(2, 0, 0)));
        Assert.Equal((0, 0, 255), (At(0, 5, 7), At(1, 5, 7), At(2, 5, 7)));
        Assert.Equal((0, 255, 0), (At(0, 1, 2), At(1, 1, 2), At(2, 1, 2)));
        Assert.Equal((3, 6, 8), (dataset.Test.Images.Channels, dataset.Test.Images.Rows, dataset.Test.Images.Columns));
    }

    [Fact]
    public void ColourPicturesAreResizedToTheSizeAskedFor()
    {
        WritePicture(Path.Combine(temp.Path, "a", "0.png"), 40, 20, (x, _) => x < 20 ? Red : Blue);
        WritePicture(Path.Combine(temp.Path, "a", "1.jpg"), 13, 17, (_, _) => Green);

        var dataset = ImageFolderDataset.Load(temp.Path, channels: 3, size: (8, 16), seed: 1);

        var all = new[] { dataset.Train.Images, dataset.Test.Images };
        Assert.All(all, images => Assert.Equal((3, 8, 16), (images.Channels, images.Rows, images.Columns)));
        Assert.Equal(2, all.Sum(images => images.Count));
        var striped = all.Single(images => images.Image(0)[0] > 200).Image(0);
        var plane = 8 * 16;
        Assert.True(striped[0] > 200 && striped[(2 * plane) + 15] > 200, "red stays on the left, blue on the right");
        Assert.True(striped[15] < 50 && striped[(2 * plane) + 0] < 50);
    }

    [Fact]
    public void ColourPicturesOfDifferentSizesAreRefusedWithoutASizeNamingTheOddOne()
    {
        WritePicture(Path.Combine(temp.Path, "a", "0.png"), 8, 8, (_, _) => Red);
        var odd = Path.Combine(temp.Path, "a", "1.png");
        WritePicture(odd, 9, 8, (_, _) => Red);

        var error = Assert.Throws<DataFileException>(() => ImageFolderDataset.Load(temp.Path, channels: 3, size: null, seed: 1));

        Assert.Equal(odd, error.FilePath);
        Assert.Contains("a 8x9 picture, where", error.Message, StringComparison.Ordinal);
        Assert.Contains("must all share it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GrayPicturesAreStillInvertedWhenTheirBorderIsLight()
    {
        WritePicture(Path.Combine(temp.Path, "a", "0.png"), 8, 8, (x, y) => x is > 2 and < 5 ? new Rgb24(0, 0, 0) : new Rgb24(255, 255, 255));
        WritePicture(Path.Combine(temp.Path, "a", "1.png"), 8, 8, (_, _) => new Rgb24(255, 255, 255));

        var dataset = ImageFolderDataset.Load(temp.Path, channels: 1, size: (8, 8), seed: 1);

        var images = new[] { dataset.Train, dataset.Test }.Single(split => split.Images.Image(0)[3] != 0).Images;
        Assert.Equal(1, images.Channels);
        Assert.Equal(255, images.Image(0)[3]);
        Assert.Equal(0, images.Image(0)[0]);
    }

    internal static void WritePicture(string path, int width, int height, Func<int, int, Rgb24> colour)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var picture = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                picture[x, y] = colour(x, y);
            }
        }

        picture.Save(path);
    }
}
