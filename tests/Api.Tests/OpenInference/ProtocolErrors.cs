using System.Text.Json;

namespace Autoencoder.Api.Tests.OpenInference;

public static class ProtocolErrors
{
    /// <summary>The protocol's error: the status, a JSON body that is exactly {"error": "..."} containing <paramref name="error"/>.</summary>
    public static async Task AssertErrorAsync(HttpResponseMessage response, int status, string error)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var properties = JsonDocument.Parse(body).RootElement.EnumerateObject().ToArray();
        var property = Assert.Single(properties);
        Assert.Equal("error", property.Name);
        Assert.Contains(error, property.Value.GetString(), StringComparison.Ordinal);
    }
}
