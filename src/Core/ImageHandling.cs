using System.Text.Json;
using System.Text.Json.Serialization;

namespace Autoencoder.Core;

/// <summary>How an uploaded picture becomes a model's input; model.json names it ("mnist-digit", "fit" or "none").</summary>
[JsonConverter(typeof(ImageHandlingJsonConverter))]
public enum ImageHandling
{
    /// <summary>MNIST's own recipe: invert light paper, crop to the ink, fit it in 20x20 of 28x28, centre of mass in the middle.</summary>
    MnistDigit,

    /// <summary>For objects that fill the frame: invert a light background, crop to the object, fit its longer side to the whole image, centred.</summary>
    Fit,

    /// <summary>The picture must already have the model's size; it is only converted to gray.</summary>
    None,
}

/// <summary>The names model.json and the command line use for each <see cref="ImageHandling"/>.</summary>
public static class ImageHandlingNames
{
    private static readonly Dictionary<string, ImageHandling> ByName = new(StringComparer.Ordinal)
    {
        ["mnist-digit"] = ImageHandling.MnistDigit,
        ["fit"] = ImageHandling.Fit,
        ["none"] = ImageHandling.None,
    };

    /// <summary>Every name, in declaration order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. ByName.Keys];

    /// <summary>Each name with its value, for parsers that look names up themselves (the command line ignores case).</summary>
    public static IReadOnlyDictionary<string, ImageHandling> Values => ByName;

    public static string Name(this ImageHandling handling) =>
        ByName.FirstOrDefault(pair => pair.Value == handling).Key ?? throw new ArgumentOutOfRangeException(nameof(handling), handling, null);

    public static bool TryParse(string? name, out ImageHandling handling) => ByName.TryGetValue(name ?? string.Empty, out handling);
}

/// <summary>
/// Reads and writes an <see cref="ImageHandling"/> by its name only: a number or an unknown name is an error that
/// lists the names, so a model.json with a typo fails where it is read, not at the first upload.
/// </summary>
public sealed class ImageHandlingJsonConverter : JsonConverter<ImageHandling>
{
    public override ImageHandling Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return ImageHandlingNames.TryParse(name, out var handling)
            ? handling
            : throw new JsonException($"imageHandling must be one of {string.Join(", ", ImageHandlingNames.All)}, not {(name is null ? reader.TokenType.ToString() : $"'{name}'")}");
    }

    public override void Write(Utf8JsonWriter writer, ImageHandling value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Name());
}
