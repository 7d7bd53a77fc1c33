using Autoencoder.Api.Http;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text.Json;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Limits;

namespace Autoencoder.Api.OpenInference;

/// <summary>An inference request, checked against the model: its id, its input rows and how to send the output.</summary>
/// <param name="Id">The request's id, to echo.</param>
/// <param name="Rows">
/// The input tensor's values, row-major: the first <paramref name="Count"/> rows of an array rented from the shared
/// pool, which may be longer. A batch of 64 digits is 200 KB, which the garbage collector would otherwise take from
/// its large object heap, and sweep up again in full collections, for every request.
/// </param>
/// <param name="Count">Its batch size.</param>
/// <param name="BinaryOutput">Whether the output goes as binary data after the JSON.</param>
public sealed record CheckedInference(string? Id, float[] Rows, int Count, bool BinaryOutput)
{
    /// <summary>
    /// Gives the rows back to the pool once the model has answered. A request given up while its batch runs leaves
    /// them to the garbage collector instead, since the batch may still be reading them.
    /// </summary>
    public void ReturnRows() => ArrayPool<float>.Shared.Return(Rows);
}

/// <summary>
/// Reads POST .../infer bodies: a JSON object, optionally followed by binary tensors (Triton's binary tensor data
/// extension: the Inference-Header-Content-Length header gives the JSON's length, each binary input its
/// "binary_data_size"; little-endian, row-major, in the order of the inputs). Every mistake is a 4xx that says what.
/// </summary>
public static partial class InferenceRequestReader
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";
    public const string BinaryDataSize = "binary_data_size";
    public const string BinaryData = "binary_data";
    public const string BinaryDataOutput = "binary_data_output";

    private static readonly JsonSerializerOptions JsonOptions = new() { AllowTrailingCommas = false, MaxDepth = 64 };

    public static async Task<CheckedInference> ReadAsync(HttpRequest request, ProtocolModel model, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var headerLength = HeaderLength(request);
        if (headerLength is null && request.ContentLength > limits.MaxJsonBodyBytes)
        {
            throw ClientInputException.TooLarge($"A JSON inference request may have at most {limits.MaxJsonBodyBytes} bytes; send larger tensors as binary data.");
        }

        if (request.ContentLength == 0)
        {
            throw ClientInputException.Invalid("The body is empty; send an inference request: a JSON object with 'inputs'.");
        }

        // Binary tensors of a declared length are read as they arrive: the JSON first, then the tensor's bytes straight
        // into its rows, so the body is never held whole as well. Anything else (gzip, as Triton's clients send when
        // asked to compress; an undeclared length; JSON alone) is read whole first, within the bulk limit.
        var reader = request.BodyReader;
        long length;
        if (headerLength is not null
            && request.ContentLength is { } declared && declared <= limits.MaxBulkBodyBytes
            && !RequestBodies.DeclaresGzip(request) && !await StartsAsGzipAsync(reader, cancellationToken))
        {
            length = declared;
        }
        else
        {
            var body = await RequestBodies.ReadBodyAsync(request, reader.AsStream(leaveOpen: true), limits.MaxBulkBodyBytes, cancellationToken);
            reader = PipeReader.Create(new ReadOnlySequence<byte>(body));
            length = body.Length;
        }

        var jsonLength = headerLength ?? (int)length;
        if (jsonLength > length)
        {
            throw ClientInputException.Invalid($"{HeaderLengthHeader} is {jsonLength}, but the body has only {length} bytes.");
        }

        if (jsonLength > limits.MaxJsonBodyBytes)
        {
            throw ClientInputException.TooLarge($"The JSON part of an inference request may have at most {limits.MaxJsonBodyBytes} bytes.");
        }

        var inference = await ReadJsonAsync(reader, jsonLength, length, cancellationToken);
        var input = Check(inference, model, length - jsonLength, limits);
        var rows = ArrayPool<float>.Shared.Rent(input.Values);
        try
        {
            if (input.Binary)
            {
                await ReadBinaryAsync(reader, rows, input.Values, jsonLength, length, cancellationToken);
            }
            else
            {
                ReadJsonData(input.Tensor.Data, rows.AsSpan(0, input.Values), input.Tensor.Shape!, model.Input.Name);
            }

            return new CheckedInference(inference.Id, rows, input.Count, BinaryOutput(inference, model));
        }
        catch
        {
            ArrayPool<float>.Shared.Return(rows);
            throw;
        }
    }

    /// <summary>Whether the body begins with gzip's magic bytes; looks at them without consuming them.</summary>
    private static async Task<bool> StartsAsGzipAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var result = await reader.ReadAtLeastAsync(2, cancellationToken);
        var gzip = StartsAsGzip(result.Buffer);
        reader.AdvanceTo(result.Buffer.Start);
        return gzip;
    }

    private static bool StartsAsGzip(ReadOnlySequence<byte> body)
    {
        Span<byte> start = stackalloc byte[2];
        var head = body.Slice(0, Math.Min(body.Length, start.Length));
        head.CopyTo(start);
        return RequestBodies.StartsAsGzip(start[..(int)head.Length]);
    }

    private static async Task<InferenceRequest> ReadJsonAsync(PipeReader reader, int jsonLength, long length, CancellationToken cancellationToken)
    {
        var result = await reader.ReadAtLeastAsync(jsonLength, cancellationToken);
        if (result.Buffer.Length < jsonLength)
        {
            reader.AdvanceTo(result.Buffer.End);
            throw EndedEarly(result.Buffer.Length, length);
        }

        var json = result.Buffer.Slice(0, jsonLength);
        try
        {
            return json.IsSingleSegment ? Parse(json.FirstSpan) : Parse(json.ToArray());
        }
        finally
        {
            reader.AdvanceTo(json.End);
        }
    }

    /// <summary>
    /// Fills the first <paramref name="values"/> of <paramref name="rows"/> with the little-endian FP32 bytes that follow
    /// the JSON, as they arrive.
    /// </summary>
    private static async Task ReadBinaryAsync(PipeReader reader, float[] rows, int values, int jsonLength, long length, CancellationToken cancellationToken)
    {
        var filled = 0;
        var size = values * sizeof(float);
        while (filled < size)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var chunk = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, size - filled));
            chunk.CopyTo(MemoryMarshal.AsBytes(rows.AsSpan())[filled..]);
            filled += (int)chunk.Length;
            reader.AdvanceTo(chunk.End);
            if (filled < size && result.IsCompleted)
            {
                throw EndedEarly(jsonLength + filled, length);
            }
        }

        if (!BitConverter.IsLittleEndian)
        {
            var words = MemoryMarshal.Cast<float, int>(rows.AsSpan(0, values));
            BinaryPrimitives.ReverseEndianness(words, words);
        }
    }

    private static ClientInputException EndedEarly(long read, long length) =>
        ClientInputException.Invalid($"The request body ended after {read} of the {length} bytes its length says.");

    private static int? HeaderLength(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(HeaderLengthHeader, out var values))
        {
            return null;
        }

        return int.TryParse(values.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            ? length
            : throw ClientInputException.Invalid($"{HeaderLengthHeader} must be the JSON object's length in bytes, not '{ClientText.Echo(values)}'.");
    }

    private static InferenceRequest Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<InferenceRequest>(json, JsonOptions)
                ?? throw ClientInputException.Invalid("The inference request must be a JSON object, not null.");
        }
        catch (JsonException e) when (e.InnerException is JsonException)
        {
            // The reader's own messages say where the text stops being JSON.
            throw ClientInputException.Invalid($"The inference request is not valid JSON: {e.InnerException.Message}");
        }
        catch (JsonException e)
        {
            // Valid JSON in the wrong place: the serializer's message names the .NET type it could not fill, which
            // means nothing to a client; the protocol's name for what belongs there does.
            var member = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "the request" : $"'{ClientText.Echo(e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path)}'";
            throw ClientInputException.Invalid($"The inference request does not follow the protocol: {member} must be {ExpectedAt(e.Path)}.");
        }
    }

    /// <summary>What the protocol puts at <paramref name="path"/> (a JSON path such as "$.inputs[0].shape[1]").</summary>
    private static string ExpectedAt(string? path)
    {
        var member = MemberName().Match(path ?? "");
        var name = member.Success ? member.Groups["name"].Value : "";
        var element = member.Success && member.Groups["index"].Success;
        return (name, element) switch
        {
            ("inputs", false) => "an array of input tensors",
            ("inputs", true) => "an input tensor, an object with 'name', 'shape', 'datatype' and 'data' (or 'parameters' with 'binary_data_size')",
            ("outputs", false) => "an array of the outputs wanted",
            ("outputs", true) => "an output wanted, an object with 'name' and optional 'parameters'",
            ("shape", false) => "an array of whole numbers",
            ("shape", true) => "a whole number",
            ("name" or "datatype" or "id", _) => "a string",
            ("parameters", _) => "an object of named parameters",
            ("", _) => "a JSON object with 'inputs'",
            _ => "another kind of JSON value",
        };
    }

    /// <summary>The last member of a JSON path, and the index after it if the path ends in an element.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\.(?<name>[A-Za-z_]+)(\[(?<index>\d+)\])?$")]
    private static partial System.Text.RegularExpressions.Regex MemberName();

    private static CheckedInput Check(InferenceRequest inference, ProtocolModel model, long binaryLength, LimitsOptions limits)
    {
        var expected = model.Input;
        if (inference.Inputs is not { Count: > 0 } inputs)
        {
            throw ClientInputException.Invalid($"The request has no 'inputs'; model '{model.Name}' takes '{expected.Name}' {Describe(expected)}.");
        }

        var unknown = inputs.FirstOrDefault(input => input.Name != expected.Name);
        if (unknown is not null)
        {
            throw ClientInputException.Invalid($"Model '{model.Name}' has no input '{ClientText.Echo(unknown.Name)}'; it takes one input, '{expected.Name}' {Describe(expected)}.");
        }

        if (inputs.Count > 1)
        {
            throw ClientInputException.Invalid($"Input '{expected.Name}' is given {inputs.Count} times; give it once.");
        }

        var input = inputs[0];
        if (input.Datatype != ProtocolModel.Datatype)
        {
            throw ClientInputException.Invalid($"Input '{expected.Name}' must have datatype {ProtocolModel.Datatype}, not '{ClientText.Echo(input.Datatype)}'.");
        }

        var count = CheckShape(input.Shape, expected, limits);
        var values = (long)count * model.InputRowSize;
        if (values > Array.MaxLength)
        {
            throw ClientInputException.TooLarge($"A batch of {count} is {values} values, more than one request can hold; send at most {Array.MaxLength / model.InputRowSize}.");
        }

        var binarySize = LongParameter(input.Parameters, BinaryDataSize, $"input '{expected.Name}'");
        RejectSharedMemory(input.Parameters, $"input '{expected.Name}'");
        if (binarySize is { } size)
        {
            if (input.Data.ValueKind != JsonValueKind.Undefined)
            {
                throw ClientInputException.Invalid($"Input '{expected.Name}' has both '{BinaryDataSize}' and 'data'; send its values one way.");
            }

            if (size != values * sizeof(float))
            {
                throw ClientInputException.Invalid(
                    $"Input '{expected.Name}' of shape {Shape(input.Shape!)} is {values * sizeof(float)} bytes of {ProtocolModel.Datatype}, but '{BinaryDataSize}' says {size}.");
            }

            if (size != binaryLength)
            {
                throw ClientInputException.Invalid(
                    $"'{BinaryDataSize}' of input '{expected.Name}' is {size}, but {binaryLength} bytes of binary data follow the JSON ({HeaderLengthHeader}).");
            }
        }
        else if (binaryLength > 0)
        {
            throw ClientInputException.Invalid($"{binaryLength} bytes follow the JSON, but no input has '{BinaryDataSize}'.");
        }

        return new CheckedInput(input, count, (int)values, binarySize is not null);
    }

    /// <summary>The request's one input, checked against the model before its values are read.</summary>
    /// <param name="Tensor">The input as the JSON gives it.</param>
    /// <param name="Count">Its batch size.</param>
    /// <param name="Values">How many numbers it holds.</param>
    /// <param name="Binary">Whether they follow the JSON as binary data.</param>
    private sealed record CheckedInput(RequestInput Tensor, int Count, int Values, bool Binary);

    /// <summary>The batch size, once every other dimension matches the model's.</summary>
    internal static int CheckShape(long[]? shape, TensorMetadata expected, LimitsOptions limits)
    {
        if (shape is null)
        {
            throw ClientInputException.Invalid($"Input '{expected.Name}' has no 'shape'; it must be {Shape(expected.Shape)}, -1 being the batch size.");
        }

        if (shape.Length != expected.Shape.Count || !shape.Skip(1).SequenceEqual(expected.Shape.Skip(1)) || shape[0] < 1)
        {
            throw ClientInputException.Invalid($"Input '{expected.Name}' has shape {Shape(shape)}; it must be {Shape(expected.Shape)}, -1 being a batch size of at least 1.");
        }

        return shape[0] <= limits.MaxBulkImages
            ? (int)shape[0]
            : throw ClientInputException.TooLarge($"A batch of {shape[0]} is too large; at most {limits.MaxBulkImages} in one request.");
    }

    /// <summary>Flat or nested arrays of numbers, row-major; the count must be the shape's.</summary>
    private static void ReadJsonData(JsonElement data, Span<float> rows, long[] shape, string name)
    {
        if (data.ValueKind != JsonValueKind.Array)
        {
            throw ClientInputException.Invalid($"Input '{name}' needs 'data', an array of numbers (flat or nested, row-major), or '{BinaryDataSize}' with the values after the JSON.");
        }

        var written = 0;
        Flatten(data, rows, ref written, name, shape);
        if (written != rows.Length)
        {
            throw ClientInputException.Invalid($"Input '{name}' has shape {Shape(shape)}, which is {rows.Length} values, but its 'data' holds {written}.");
        }
    }

    private static void Flatten(JsonElement array, Span<float> rows, ref int written, string name, long[] shape)
    {
        foreach (var element in array.EnumerateArray())
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                Flatten(element, rows, ref written, name, shape);
                continue;
            }

            if (element.ValueKind != JsonValueKind.Number || !element.TryGetSingle(out var value) || !float.IsFinite(value))
            {
                throw ClientInputException.Invalid($"Input '{name}' must hold {ProtocolModel.Datatype} numbers; value {written} is {ClientText.Echo(element.GetRawText())}.");
            }

            if (written == rows.Length)
            {
                throw ClientInputException.Invalid($"Input '{name}' has shape {Shape(shape)}, which is {rows.Length} values, but its 'data' holds more.");
            }

            rows[written++] = value;
        }
    }

    /// <summary>An output's own "binary_data" decides; without one, the request's "binary_data_output"; else JSON.</summary>
    private static bool BinaryOutput(InferenceRequest inference, ProtocolModel model)
    {
        var all = BoolParameter(inference.Parameters, BinaryDataOutput, "the request") ?? false;
        if (inference.Outputs is not { Count: > 0 } outputs)
        {
            return all;
        }

        var expected = model.Output.Name;
        var binary = all;
        foreach (var output in outputs)
        {
            if (output.Name != expected)
            {
                throw ClientInputException.Invalid($"Model '{model.Name}' has no output '{ClientText.Echo(output.Name)}'; it gives one output, '{expected}'.");
            }

            if (output.Parameters?.ContainsKey("classification") == true)
            {
                throw ClientInputException.Invalid($"Output '{expected}' is a tensor of latents or pixels; the classification extension is not supported.");
            }

            RejectSharedMemory(output.Parameters, $"output '{expected}'");
            binary = BoolParameter(output.Parameters, BinaryData, $"output '{expected}'") ?? all;
        }

        return binary;
    }

    private static void RejectSharedMemory(Dictionary<string, JsonElement>? parameters, string where)
    {
        if (parameters?.Keys.FirstOrDefault(key => key.StartsWith("shared_memory_", StringComparison.Ordinal)) is { } key)
        {
            throw ClientInputException.Invalid($"'{key}' of {where}: the shared-memory extensions are not supported; send the data in the body.");
        }
    }

    private static long? LongParameter(Dictionary<string, JsonElement>? parameters, string name, string where) =>
        parameters is null || !parameters.TryGetValue(name, out var value)
            ? null
            : value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0
                ? number
                : throw ClientInputException.Invalid($"'{name}' of {where} must be a whole number of bytes, not {ClientText.Echo(value.GetRawText())}.");

    private static bool? BoolParameter(Dictionary<string, JsonElement>? parameters, string name, string where) =>
        parameters is null || !parameters.TryGetValue(name, out var value)
            ? null
            : value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw ClientInputException.Invalid($"'{name}' of {where} must be true or false, not {ClientText.Echo(value.GetRawText())}."),
            };

    internal static string Describe(TensorMetadata tensor) => $"({tensor.Datatype} {Shape(tensor.Shape)})";

    internal static string Shape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";

}
