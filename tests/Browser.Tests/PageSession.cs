using Microsoft.Playwright;

namespace Autoencoder.Browser.Tests;

/// <summary>
/// One page in a fresh browser context, which records every console error, failed request and error response, so
/// that a test fails on any it did not expect.
/// </summary>
public sealed class PageSession : IAsyncDisposable
{
    private readonly IBrowserContext context;
    private readonly List<string> problems = [];

    private PageSession(IBrowserContext context, IPage page)
    {
        this.context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Record($"console error: {message.Text}");
            }
        };
        page.PageError += (_, error) => Record($"page error: {error}");
        page.RequestFailed += (_, request) => Record($"request failed: {request.Method} {request.Url} ({request.Failure})");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Record($"response {response.Status}: {response.Request.Method} {response.Url}");
            }
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (problems)
            {
                return [.. problems];
            }
        }
    }

    /// <param name="beforeLoad">Runs on the page before it loads (to route its requests, say).</param>
    /// <param name="path">The page to open: the playground, unless another is named.</param>
    /// <param name="ready">What is on the page once it is ready to use.</param>
    public static async Task<PageSession> OpenAsync(
        PlaygroundServer server, int width = 1280, int height = 1100, Func<IPage, Task>? beforeLoad = null, string path = "/", string ready = "body[data-ready='true']")
    {
        var context = await server.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        // Generous: on a busy two-core machine the service and Chromium share the cores with the build.
        context.SetDefaultTimeout(60_000);
        var session = new PageSession(context, await context.NewPageAsync());
        if (beforeLoad is not null)
        {
            await beforeLoad(session.Page);
        }

        await session.Page.GotoAsync(path);
        await session.Page.Locator(ready).First.WaitForAsync();
        return session;
    }

    /// <summary>Fails unless the page logged no error and every request succeeded, but for what a test provoked on purpose.</summary>
    public void AssertNoProblems(params string[] expected)
    {
        var unexpected = Problems.Where(problem => !expected.Any(allowed => problem.Contains(allowed, StringComparison.Ordinal))).ToArray();
        Assert.True(unexpected.Length == 0, "The page had problems:\n" + string.Join('\n', unexpected));
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    private void Record(string problem)
    {
        lock (problems)
        {
            problems.Add(problem);
        }
    }
}
