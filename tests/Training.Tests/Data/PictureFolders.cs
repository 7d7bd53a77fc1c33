using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Training.Tests.Data;

/// <summary>A folder of pictures as a person collects them: one sub-folder a class, PNG and JPEG, dark shapes on white, various sizes.</summary>
internal static class PictureFolders
{
    private static readonly (string Name, Func<double, double, bool> Inside)[] Classes =
    [
        ("circle", (x, y) => (x * x) + (y * y) < 0.36),
        ("cross", (x, y) => Math.Abs(x) < 0.12 || Math.Abs(y) < 0.12),
        ("square", (x, y) => Math.Abs(x) < 0.6 && Math.Abs(y) < 0.6),
    ];

    public static void Write(string directory, int perClass)
    {
        foreach (var (name, inside) in Classes)
        {
            var folder = Directory.CreateDirectory(Path.Combine(directory, name)).FullName;
            for (var i = 0; i < perClass; i++)
            {
                var (width, height) = (30 + (i * 7), 30 + (i * 7) + (i % 3));
                using var picture = new Image<Rgb24>(width, height);
                for (var y = 0; y < height; y++)
                {
                    for (var x = 0; x < width; x++)
                    {
                        var dark = inside((2.0 * x / width) - 1, (2.0 * y / height) - 1);
                        picture[x, y] = dark ? new Rgb24(20, 20, 30) : new Rgb24(250, 250, 245);
                    }
                }

                picture.Save(Path.Combine(folder, $"{name}-{i}{(i % 2 == 0 ? ".png" : ".jpg")}"));
            }
        }

        File.WriteAllText(Path.Combine(directory, "README.txt"), "not a picture: ignored");
    }
}
