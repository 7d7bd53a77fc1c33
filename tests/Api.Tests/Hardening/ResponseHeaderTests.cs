using System.Net;
using System.Text.Json;
using Autoencoder.Api.Hosting;
using Autoencoder.Api.Http;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>Real Kestrel that lets one other origin call the API from a browser.</summary>
public sealed class CrossOriginApiFactory() : KestrelApiFactory(new Dictionary<string, string?> { ["Cors:Origins:0"] = CrossOriginApiFactory.Allowed })
{
    public const string Allowed = "https://allowed.example";
}

/// <summary>What every answer says about itself to a browser, and which other origins may read it.</summary>
public sealed class ResponseHeaderTests(CrossOriginApiFactory factory) : IClassFixture<CrossOriginApiFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    public static TheoryData<string, string, int> Answers => new()
    {
        { "GET", "/", 200 },
        { "GET", "/app.js", 200 },
        { "GET", "/models", 200 },
        { "GET", "/metrics", 200 },
        { "GET", "/swagger/index.html", 200 },
        { "GET", "/models/nope", 404 },
        { "GET", "/nowhere", 404 },
        { "GET", "/encode", 405 },
        { "POST", "/reconstruct", 415 },
        { "POST", "/v2/models/nope/infer", 404 },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task EveryAnswerForbidsSniffingFramingAndReferrersAndHasAContentSecurityPolicy(string method, string path, int status)
    {
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        var policy = Header(response, "Content-Security-Policy");
        Assert.StartsWith("default-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal(path.StartsWith("/swagger", StringComparison.Ordinal) ? SecurityHeaders.SwaggerUiPolicy : SecurityHeaders.PagePolicy, policy);
    }

    [Fact]
    public async Task TheServerDoesNotNameItself()
    {
        using var response = await client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Headers.Server);
    }

    [Fact]
    public async Task APreflightFromAnAllowedOriginIsAllowedItsMethodAndHeaders()
    {
        using var response = await client.SendAsync(Preflight(CrossOriginApiFactory.Allowed, "POST", "content-type"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(CrossOriginApiFactory.Allowed, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        Assert.Contains("Content-Type", Header(response, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task APreflightFromAnyOtherOriginGetsNoCorsHeaders()
    {
        using var response = await client.SendAsync(Preflight("https://elsewhere.example", "POST", "content-type"));

        Assert.DoesNotContain(response.Headers, header => header.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task AnAllowedOriginMayReadTheSeedHeadersAndErrors()
    {
        using var generate = new HttpRequestMessage(HttpMethod.Post, "/generate?count=1&seed=3");
        generate.Headers.Add("Origin", CrossOriginApiFactory.Allowed);
        using var error = new HttpRequestMessage(HttpMethod.Get, "/models/nope");
        error.Headers.Add("Origin", CrossOriginApiFactory.Allowed);

        using var generated = await client.SendAsync(generate);
        using var refused = await client.SendAsync(error);

        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.Equal(CrossOriginApiFactory.Allowed, Header(generated, "Access-Control-Allow-Origin"));
        var exposed = Header(generated, "Access-Control-Expose-Headers").Split(',');
        Assert.Contains("Generate-Seed", exposed);
        Assert.Contains("Noise-Seed", exposed);
        Assert.Contains("Retry-After", exposed);
        Assert.Equal(CrossOriginApiFactory.Allowed, Header(refused, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task MetricsTakesOnlyGetAndHead(string method)
    {
        using var other = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/metrics"));
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/metrics"));

        await other.AssertProblemAsync(405, $"/metrics does not take {method}");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesEveryInferenceRoute()
    {
        using var document = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));
        var description = document.RootElement.GetProperty("info").GetProperty("description").GetString()!;
        var posts = document.RootElement.GetProperty("paths").EnumerateObject()
            .Where(path => path.Value.TryGetProperty("post", out _) && !path.Name.StartsWith("/v2", StringComparison.Ordinal))
            .Select(path => path.Name)
            .ToList();

        Assert.Equal(ApplicationServices.SwaggerDescription, description);
        Assert.Contains("/generate", posts);
        Assert.All(posts, path => Assert.Contains(path, description, StringComparison.Ordinal));
        Assert.Contains("/v2", description, StringComparison.Ordinal);
    }

    private static HttpRequestMessage Preflight(string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/encode");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : throw new Xunit.Sdk.XunitException($"no {name} header on {(int)response.StatusCode} {response.RequestMessage?.RequestUri}");
}

/// <summary>The settings that turn features off, and one that must be written right to take effect.</summary>
public sealed class OptionalFeatureTests
{
    [Fact]
    public async Task WithoutConfiguredOriginsNoCorsHeadersAreSent()
    {
        using var factory = new AutoencoderApiFactory();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/models");
        request.Headers.Add("Origin", "https://allowed.example");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(response.Headers, header => header.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SwaggerCanBeTurnedOffAndErrorsStopPointingToIt()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Swagger:Enabled"] = "false" });
        using var client = factory.CreateClient();

        using var ui = await client.GetAsync("/swagger/index.html");
        using var document = await client.GetAsync("/swagger/v1/swagger.json");

        await ui.AssertProblemAsync(404, "There is no endpoint at /swagger/index.html.");
        Assert.Equal(HttpStatusCode.NotFound, document.StatusCode);
        Assert.DoesNotContain("/swagger lists", await ui.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://allowed.example/")]
    [InlineData("allowed.example")]
    [InlineData("https://allowed.example/page")]
    public void AnOriginThatNoBrowserSendsStopsTheServiceAtStart(string origin)
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Cors:Origins:0"] = origin });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains($"Cors:Origins holds '{origin}', which is not an origin", error.ToString(), StringComparison.Ordinal);
    }
}
