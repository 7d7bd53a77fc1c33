using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Autoencoder.Api.Tests.OpenInference;

/// <summary>
/// Requests and responses of the binary tensor data extension, built and read the way Triton's Python client
/// (tritonclient.http) does: the JSON object, then each binary input's raw little-endian bytes; the JSON's length in
/// Inference-Header-Content-Length; no Content-Type.
/// </summary>
public static class BinaryTensors
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    /// <summary>
    /// As tritonclient's InferInput.set_data_from_numpy(binary_data=True) and infer(): the input carries
    /// "binary_data_size"; with no outputs named, the request asks for every output in binary ("binary_data_output").
    /// </summary>
    public static HttpContent TritonClientRequest(string inputName, long[] shape, float[] values, string? id = null, JsonArray? outputs = null)
    {
        var request = new JsonObject();
        if (id is not null)
        {
            request["id"] = id;
        }

        request["inputs"] = new JsonArray(new JsonObject
        {
            ["name"] = inputName,
            ["shape"] = new JsonArray([.. shape.Select(dimension => JsonValue.Create(dimension))]),
            ["datatype"] = "FP32",
            ["parameters"] = new JsonObject { ["binary_data_size"] = values.Length * sizeof(float) },
        });
        if (outputs is not null)
        {
            request["outputs"] = outputs;
        }
        else
        {
            request["parameters"] = new JsonObject { ["binary_data_output"] = true };
        }

        return Body(request.ToJsonString(), LittleEndian(values));
    }

    /// <summary>A JSON object followed by raw bytes, with the header that says where the JSON ends.</summary>
    public static HttpContent Body(string json, byte[] binary, int? declaredHeaderLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var content = new ByteArrayContent([.. header, .. binary]);
        content.Headers.Add(HeaderLength, (declaredHeaderLength ?? header.Length).ToString(CultureInfo.InvariantCulture));
        content.Headers.ContentType = null;
        return content;
    }

    public static HttpContent Json(string json)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public static byte[] LittleEndian(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return bytes;
    }

    /// <summary>As tritonclient's InferResult: the JSON object, and the output's values from its binary part.</summary>
    public static async Task<(JsonElement Header, float[] Values)> ReadBinaryAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        var length = int.Parse(Assert.Single(response.Headers.TryGetValues(HeaderLength, out var values) ? values : response.Content.Headers.GetValues(HeaderLength)), CultureInfo.InvariantCulture);
        var header = JsonDocument.Parse(body.AsMemory(0, length)).RootElement;
        var output = Assert.Single(header.GetProperty("outputs").EnumerateArray());
        var size = output.GetProperty("parameters").GetProperty("binary_data_size").GetInt32();
        Assert.Equal(body.Length - length, size);
        var floats = new float[size / sizeof(float)];
        for (var i = 0; i < floats.Length; i++)
        {
            floats[i] = BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(length + (i * sizeof(float))));
        }

        return (header, floats);
    }
}
