using System.Text.Json;
using Autoencoder.Api.Errors;

namespace Autoencoder.Api.Formats;

/// <summary>
/// Latent vectors as clients send and receive them: a JSON body ({"latent": [...]} for one, [[...], [...]] for many),
/// and, for many, a JSON object or a .npy matrix written as the model produces them.
/// </summary>
public static class Latents
{
    /// <summary>
    /// A /decode JSON body: {"latent": [...]} (one latent) or [[...], [...]] (a batch), as row-major values, the row
    /// count and width, and whether it was a batch. Every mistake gets a message that says where it is.
    /// </summary>
    public static (float[] Values, int Rows, int Columns, bool IsBatch) Read(JsonDocument document)
    {
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("latent", out var single) && single.ValueKind == JsonValueKind.Array)
        {
            var latent = Numbers(single, "latent");
            return (latent, 1, latent.Length, false);
        }

        if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0 && root.EnumerateArray().All(row => row.ValueKind == JsonValueKind.Array))
        {
            var rows = root.EnumerateArray().Select((row, index) => Numbers(row, $"[{index}]")).ToArray();
            var columns = rows[0].Length;
            var ragged = Array.FindIndex(rows, row => row.Length != columns);
            if (ragged >= 0)
            {
                throw ClientInputException.Invalid($"Latent [{ragged}] has {rows[ragged].Length} numbers, latent [0] has {columns}; all must have the same.");
            }

            return ([.. rows.SelectMany(row => row)], rows.Length, columns, true);
        }

        throw ClientInputException.Invalid("The body must be a JSON object with a 'latent' array of numbers, or an array of such arrays.");
    }

    /// <summary>A .npy matrix as written by <see cref="WriteNpyAsync"/>: a header, then each window's rows as float32.</summary>
    public static async Task WriteNpyAsync(Stream output, IAsyncEnumerable<float[]> windows, int count, int latentSize, CancellationToken cancellationToken)
    {
        await output.WriteAsync(Npy.Header(count, latentSize), cancellationToken);
        byte[] bytes = [];
        await foreach (var latents in windows)
        {
            if (bytes.Length < latents.Length * sizeof(float))
            {
                bytes = new byte[latents.Length * sizeof(float)];
            }

            Npy.WriteValues(latents, bytes);
            await output.WriteAsync(bytes.AsMemory(0, latents.Length * sizeof(float)), cancellationToken);
        }
    }

    /// <summary>{"model": ..., "count": ..., "latents": [[...], ...]}, each window's rows flushed as they come.</summary>
    public static async Task WriteJsonAsync(Stream output, string model, IAsyncEnumerable<float[]> windows, int count, int latentSize, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("model", model);
        json.WriteNumber("count", count);
        json.WriteStartArray("latents");
        await foreach (var latents in windows)
        {
            for (var row = 0; row < latents.Length / latentSize; row++)
            {
                json.WriteStartArray();
                foreach (var value in latents.AsSpan(row * latentSize, latentSize))
                {
                    json.WriteNumberValue(value);
                }

                json.WriteEndArray();
            }

            await json.FlushAsync(cancellationToken);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static float[] Numbers(JsonElement array, string where)
    {
        var numbers = new float[array.GetArrayLength()];
        var i = 0;
        foreach (var element in array.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !float.IsFinite((float)value))
            {
                throw ClientInputException.Invalid($"'{where}' must hold finite numbers in float range; element {i} is {Describe(element)}.");
            }

            numbers[i++] = (float)value;
        }

        return numbers;
    }

    /// <summary>An element as the client wrote it, for a message; the reader checks a string's UTF-8 only when it is read.</summary>
    private static string Describe(JsonElement element)
    {
        try
        {
            return ClientText.Echo(element.GetRawText());
        }
        catch (InvalidOperationException)
        {
            return "a string that is not valid UTF-8";
        }
    }
}
