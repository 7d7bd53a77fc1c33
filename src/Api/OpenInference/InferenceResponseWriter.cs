using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autoencoder.Api.OpenInference;

/// <summary>
/// The answer to an inference request: the output as JSON numbers, or (binary tensor data extension) the JSON object
/// with the output's "binary_data_size", then its values as little-endian FP32, the JSON's length in the
/// Inference-Header-Content-Length header.
/// </summary>
public static class InferenceResponseWriter
{
    public const string BinaryMediaType = "application/octet-stream";

    private static readonly JsonSerializerOptions JsonOptions = new();

    public static Results<Ok<InferenceResponse>, FileContentHttpResult> Write(
        HttpResponse response, ProtocolModel model, CheckedInference inference, float[] output)
    {
        var shape = model.Output.Shape.ToArray();
        shape[0] = inference.Count;
        if (!inference.BinaryOutput)
        {
            return TypedResults.Ok(new InferenceResponse(
                model.Name, ProtocolModel.Version, inference.Id, [new ResponseOutput(model.Output.Name, ProtocolModel.Datatype, shape, null, output)]));
        }

        var size = (long)output.Length * sizeof(float);
        var header = JsonSerializer.SerializeToUtf8Bytes(
            new InferenceResponse(
                model.Name,
                ProtocolModel.Version,
                inference.Id,
                [new ResponseOutput(model.Output.Name, ProtocolModel.Datatype, shape, new Dictionary<string, long> { [InferenceRequestReader.BinaryDataSize] = size }, null)]),
            JsonOptions);
        var body = new byte[header.Length + size];
        header.CopyTo(body, 0);
        WriteLittleEndian(output, body.AsSpan(header.Length));
        response.Headers[InferenceRequestReader.HeaderLengthHeader] = header.Length.ToString(CultureInfo.InvariantCulture);
        return TypedResults.File(body, BinaryMediaType);
    }

    private static void WriteLittleEndian(float[] values, Span<byte> bytes)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * sizeof(float))..], values[i]);
        }
    }
}
