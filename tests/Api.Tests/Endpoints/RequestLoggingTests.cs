using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

public sealed class RequestLoggingTests : IDisposable
{
    private readonly AutoencoderApiFactory factory = new();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task EachRequestIsLoggedOnceWithStatusDurationModelAndProvider()
    {
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/reconstruct", PngForm("image", Digits.Png(5)));

        var line = Assert.Single(factory.Logs.Events, e =>
            IsRequestLine(e) && e.Properties["RequestPath"].ToString() == "\"/reconstruct\"");
        Assert.Equal("\"POST\"", line.Properties["RequestMethod"].ToString());
        Assert.Equal("200", line.Properties["StatusCode"].ToString());
        Assert.Equal("\"mnist\"", line.Properties["Model"].ToString());
        Assert.Equal("\"CPUExecutionProvider\"", line.Properties["Provider"].ToString());
        Assert.True(line.Properties.ContainsKey("Elapsed"));
    }

    [Fact]
    public async Task AClientErrorIsLoggedWithItsStatusAndNoErrorEvent()
    {
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/encode", Raw("not an image"u8.ToArray(), "image/png"));

        var line = Assert.Single(factory.Logs.Events, e =>
            IsRequestLine(e) && e.Properties["RequestPath"].ToString() == "\"/encode\"");
        Assert.Equal("415", line.Properties["StatusCode"].ToString());
        Assert.DoesNotContain(factory.Logs.Events, e => e.Level >= Serilog.Events.LogEventLevel.Error);
    }

    private static bool IsRequestLine(Serilog.Events.LogEvent e) => e.MessageTemplate.Text.StartsWith("HTTP {RequestMethod}", StringComparison.Ordinal);
}
