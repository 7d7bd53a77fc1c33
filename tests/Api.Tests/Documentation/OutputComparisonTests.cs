namespace Autoencoder.Api.Tests.Documentation;

public sealed class OutputComparisonTests
{
    [Theory]
    [InlineData("""{"model":"mnist","count":2}""", """{"model":"mnist","count":2}""")]
    [InlineData("""{"model":"mnist",…}""", """{"model":"mnist","count":2,"latents":[]}""")]
    [InlineData("""{"latent":[-2.284055,1.5,…]}""", """{"latent":[-2.2840552,1.5,3,4]}""")]
    [InlineData("""{"image":"iVBOR…","traceId":"00-…-00"}""", """{"image":"iVBORw0KGgo=","traceId":"00-abc-00"}""")]
    [InlineData("""{"pixels":[0,3.5762787E-07,…]}""", """{"pixels":[0,3.9e-07,1]}""")]
    [InlineData("""{"a":[…,9]}""", """{"a":[1,2,9]}""")]
    [InlineData("{\"a\":1}\n{\"b\":2}", """{"a":1}{"b":2}""")]
    public void OutputThatLooksAsShownMatches(string shown, string printed) =>
        Assert.Empty(OutputComparison.JsonDifferences(shown, printed));

    [Theory]
    [InlineData("""{"detail":"7 model(s) loaded"}""", """{"detail":"3 model(s) loaded"}""")]
    [InlineData("""{"count":10000}""", """{"count":10001}""")]
    [InlineData("""{"model":"mnist"}""", """{"model":"mnist","count":2}""")]
    [InlineData("""{"models":[{"name":"a"},{"name":"b"}]}""", """{"models":[{"name":"a"},{"name":"b"},{"name":"c"}]}""")]
    [InlineData("""{"latent":[…]}""", """{"latent":3}""")]
    [InlineData("""{"percentile":19.09}""", """{"percentile":18.69}""")]
    [InlineData("""{"model":"mnist"}""", """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","status":400}""")]
    [InlineData("""{"model":"mnist"}""", "curl: (22) The requested URL returned error: 400")]
    public void OutputThatDiffersFromWhatIsShownDoesNotMatch(string shown, string printed) =>
        Assert.NotEmpty(OutputComparison.JsonDifferences(shown, printed));

    [Fact]
    public void TextMatchesLineByLineWithAnyNumberAndAnythingForAnEllipsis()
    {
        const string printed = "HTTP/1.1 200 OK\r\nContent-Length: 3292\r\nInference-Header-Content-Length: 156\r\n\r\n{\"model_name\":\"mnist-decoder\"}\u0001\u0002";

        Assert.Empty(OutputComparison.TextDifferences("Content-Length: 1\n{\"model_name\":\"mnist-decoder\"}…", printed));
        Assert.NotEmpty(OutputComparison.TextDifferences("Content-Type: application/octet-stream", printed));
    }
}
