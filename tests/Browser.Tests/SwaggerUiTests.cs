using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Autoencoder.Browser.Tests;

/// <summary>Swagger UI under its own content security policy, which Chromium reports any breach of as a console error.</summary>
[Collection(SharedPlayground.Name)]
public sealed class SwaggerUiTests(PlaygroundServer server)
{
    [Fact]
    public async Task SwaggerUiRendersItsRoutesAndTriesOneOutWithinItsContentSecurityPolicy()
    {
        await using var session = await PageSession.OpenAsync(server, path: "/swagger/index.html", ready: ".opblock");
        var page = session.Page;
        await Expect(page.Locator(".info .description")).ToContainTextAsync("/denoise");
        await Expect(page.Locator(".opblock-summary-path[data-path='/generate']")).ToBeVisibleAsync();

        var models = page.Locator(".opblock-get", new PageLocatorOptions { Has = page.Locator(".opblock-summary-path[data-path='/models']") });
        await models.Locator(".opblock-summary").ClickAsync();
        await models.Locator(".try-out__btn").ClickAsync();
        await models.Locator(".execute").ClickAsync();

        await Expect(models.Locator(".live-responses-table tr.response .response-col_status")).ToHaveTextAsync("200");
        session.AssertNoProblems();
    }
}
