using System.Net.Http.Headers;
using System.Text.Json;

namespace Autoencoder.Api.Tests.Repository;

/// <summary>The real API over a models folder of copies that the test changes while it runs, under a control mode.</summary>
public sealed class LiveRepositoryFactory(string control, IReadOnlyDictionary<string, string?>? settings, params CopiedModel[] models) : CopiedModelsFactory(models)
{
    public const string Key = "a-control-key-for-tests";

    public LiveRepositoryFactory(string control, params CopiedModel[] models)
        : this(control, null, models)
    {
    }

    /// <summary>The models folder the service serves.</summary>
    public string Folder => Directory;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Models:Control"] = control,
        ["Models:ControlKey"] = Key,
        ["Models:Default"] = "digits",
        ["Models:PollSeconds"] = "0.05",
        ["Models:SettleSeconds"] = "0.2",
    }.Concat(settings ?? new Dictionary<string, string?>()).GroupBy(pair => pair.Key).ToDictionary(group => group.Key, group => group.Last().Value);

    /// <summary>A client that presents the control key.</summary>
    public HttpClient ControlClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    /// <summary>Writes a copy of a bundled model into the served folder (not atomically: as a plain copy would).</summary>
    public void Add(string bundled, string name) => Copy(Folder, new CopiedModel(bundled, name));
}

/// <summary>What tests of the live repository ask the service.</summary>
internal static class RepositoryCalls
{
    public static async Task<float[]> LatentAsync(this HttpClient client, string model, int digit = 0)
    {
        using var response = await client.PostAsync($"/encode?model={model}", HttpExtensions.PngForm("image", Digits.Png(digit)));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/encode?model={model}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("latent").Floats();
    }

    /// <summary>The repository index: each entry's state and reason by "name/version".</summary>
    public static async Task<Dictionary<string, (string State, string Reason)>> IndexAsync(this HttpClient control)
    {
        using var response = await control.PostAsync("/v2/repository/index", null);
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.JsonAsync()).EnumerateArray().ToDictionary(
            entry => $"{entry.GetProperty("name").GetString()}/{entry.GetProperty("version").GetString()}",
            entry => (entry.GetProperty("state").GetString()!, entry.GetProperty("reason").GetString()!));
    }

    public static async Task<long> ServedVersionAsync(this HttpClient client, string model)
    {
        using var response = await client.GetAsync($"/models/{model}");
        return response.IsSuccessStatusCode ? (await response.JsonAsync()).GetProperty("version").GetInt64() : 0;
    }
}
