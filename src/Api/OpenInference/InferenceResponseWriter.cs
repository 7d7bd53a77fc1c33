using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Autoencoder.Api.Http;
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

    public static Results<Ok<InferenceResponse>, FileContentHttpResult, PushStreamHttpResult> Write(
        HttpResponse response, ProtocolModel model, CheckedInference inference, float[] output)
    {
        var shape = model.Output.Shape.ToArray();
        shape[0] = inference.Count;
        if (!inference.BinaryOutput)
        {
            return TypedResults.Ok(new InferenceResponse(
                model.Name, model.Version, inference.Id, [new ResponseOutput(model.Output.Name, ProtocolModel.Datatype, shape, null, output)]));
        }

        var header = BinaryHeader(response, model, inference);
        var body = new byte[header.Length + ((long)output.Length * sizeof(float))];
        header.CopyTo(body, 0);
        WriteLittleEndian(output, body.AsSpan(header.Length));
        return TypedResults.File(body, BinaryMediaType);
    }

    /// <summary>
    /// A binary answer written as its output is made, a window of rows at a time: the JSON header first (the output's
    /// size is known from the batch), then each window's values. The request's rows go back to the pool at the end.
    /// </summary>
    public static PushStreamHttpResult Stream(HttpRequest request, ProtocolModel model, CheckedInference inference, IAsyncEnumerable<float[]> windows)
    {
        var header = BinaryHeader(request.HttpContext.Response, model, inference);
        return StreamedAnswers.Stream(
            request,
            async output =>
            {
                try
                {
                    await output.WriteAsync(header, request.HttpContext.RequestAborted);
                    byte[] bytes = [];
                    await foreach (var window in windows)
                    {
                        if (bytes.Length < window.Length * sizeof(float))
                        {
                            bytes = new byte[window.Length * sizeof(float)];
                        }

                        WriteLittleEndian(window, bytes.AsSpan(0, window.Length * sizeof(float)));
                        await output.WriteAsync(bytes.AsMemory(0, window.Length * sizeof(float)), request.HttpContext.RequestAborted);
                    }
                }
                finally
                {
                    inference.ReturnRows();
                }
            },
            BinaryMediaType);
    }

    /// <summary>The JSON object before a binary output, its length in the Inference-Header-Content-Length header.</summary>
    private static byte[] BinaryHeader(HttpResponse response, ProtocolModel model, CheckedInference inference)
    {
        var shape = model.Output.Shape.ToArray();
        shape[0] = inference.Count;
        var size = (long)inference.Count * model.OutputRowSize * sizeof(float);
        var header = JsonSerializer.SerializeToUtf8Bytes(
            new InferenceResponse(
                model.Name,
                model.Version,
                inference.Id,
                [new ResponseOutput(model.Output.Name, ProtocolModel.Datatype, shape, new Dictionary<string, long> { [InferenceRequestReader.BinaryDataSize] = size }, null)]),
            JsonOptions);
        response.Headers[InferenceRequestReader.HeaderLengthHeader] = header.Length.ToString(CultureInfo.InvariantCulture);
        return header;
    }

    private static void WriteLittleEndian(ReadOnlySpan<float> values, Span<byte> bytes)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * sizeof(float))..], values[i]);
        }
    }
}
