using System.Diagnostics;
using System.Text;

namespace Autoencoder.Api.Tests.Documentation;

/// <summary>
/// Every shell example in the README and docs/ runs as written against the real service, and prints what the page
/// shows it printing. The examples say <c>localhost:5080</c>, where <c>dotnet run --project src/Api</c> listens; here
/// the built service listens on a free port, and each file's examples run in order, as a reader pastes them, in a
/// scratch folder laid out like a clone: <c>samples/</c>, and MNIST beside it in <c>../shared/data/mnist</c>.
/// </summary>
public sealed class DocumentationExampleTests(DocumentationExampleTests.Service service) : IClassFixture<DocumentationExampleTests.Service>
{
    private const string DocumentedAddress = "localhost:5080";

    private static readonly TimeSpan ExampleTimeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string> FilesWithExamples() =>
        [.. MarkdownExamples.DocumentationFiles(TestData.RepositoryRoot)
            .Where(file => MarkdownExamples.Read(TestData.RepositoryRoot, file).Any(example => example.Runs))];

    [Theory]
    [MemberData(nameof(FilesWithExamples))]
    public async Task EveryExampleRunsAndPrintsWhatIsShown(string file)
    {
        var examples = MarkdownExamples.Read(TestData.RepositoryRoot, file).Where(example => example.Runs).ToList();
        using var workspace = new Workspace();
        var failures = new List<string>();
        foreach (var example in examples)
        {
            var (exitCode, output, error) = await workspace.RunAsync(example.Commands.Replace(DocumentedAddress, $"127.0.0.1:{service.Process.Port}", StringComparison.Ordinal));
            var differences = exitCode != 0
                ? [$"exit code {exitCode}: {LastLines(error)}"]
                : example.Shown is { } shown ? OutputComparison.Differences(shown, output) : [];
            if (differences.Count > 0)
            {
                failures.Add($"{example}\n{example.Commands}  " + string.Join("\n  ", differences) +
                    (exitCode == 0 && example.Shown is not null ? $"\n  printed: {Abbreviate(output)}" : ""));
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {examples.Count} examples in {file} fail:\n\n" + string.Join("\n\n", failures));
    }

    [Fact]
    public void TheReadmeShowsEveryRouteWithAnExampleThatRuns()
    {
        var commands = string.Join('\n', MarkdownExamples.Read(TestData.RepositoryRoot, "README.md").Where(example => example.Runs).Select(example => example.Commands));

        foreach (var route in new[] { "/encode", "/decode", "/reconstruct", "/interpolate", "/score", "/generate", "/denoise", "/models/mnist", "/models/mnist/latent-map", "/health/ready", "/v2/", "/metrics" })
        {
            Assert.Contains($"{DocumentedAddress}{route}", commands, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AnExampleThatIsNotRunShowsNoOutput()
    {
        // Nothing would keep such an output true.
        Assert.All(
            MarkdownExamples.DocumentationFiles(TestData.RepositoryRoot)
                .SelectMany(file => MarkdownExamples.Read(TestData.RepositoryRoot, file))
                .Where(example => !example.Runs),
            example => Assert.Null(example.Shown));
    }

    /// <summary>curl's error comes last, after its progress meter.</summary>
    private static string LastLines(string text) => string.Join("\n  ", text.Trim().Split('\n').TakeLast(2));

    private static string Abbreviate(string text) => text.Length <= 2000 ? text : text[..2000] + OutputComparison.Ellipsis;

    /// <summary>The built service, as <c>dotnet run</c> would serve the bundled models, for all of the class's tests.</summary>
    public sealed class Service : IAsyncLifetime
    {
        public ServiceProcess Process { get; } = ServiceProcess.Start();

        public Task InitializeAsync() => Process.WaitUntilReadyAsync();

        public Task DisposeAsync()
        {
            Process.Dispose();
            return Task.CompletedTask;
        }
    }

    /// <summary>A scratch folder laid out as the examples expect a clone to be; whatever they write stays in it.</summary>
    private sealed class Workspace : IDisposable
    {
        private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("autoencoder-examples-");

        public Workspace()
        {
            Repository = Directory.CreateDirectory(Path.Combine(root.FullName, "repository")).FullName;
            var samples = Directory.CreateDirectory(Path.Combine(Repository, "samples")).FullName;
            foreach (var sample in Directory.GetFiles(Path.Combine(TestData.RepositoryRoot, "samples")))
            {
                File.Copy(sample, Path.Combine(samples, Path.GetFileName(sample)));
            }

            var data = Directory.CreateDirectory(Path.Combine(root.FullName, "shared", "data")).FullName;
            Directory.CreateSymbolicLink(Path.Combine(data, "mnist"), Path.GetFullPath(TestData.Mnist));
        }

        public string Repository { get; }

        public async Task<(int ExitCode, string Output, string Error)> RunAsync(string commands)
        {
            var start = new ProcessStartInfo("bash")
            {
                WorkingDirectory = Repository,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    // A proxy configured for the machine would otherwise be asked for the service on loopback.
                    ["no_proxy"] = "127.0.0.1",
                    ["NO_PROXY"] = "127.0.0.1",
                },
            };

            // -e: a reader would see a failing command's error; here it ends the example, as the last command's would.
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(commands);
            using var process = Process.Start(start)!;
            using var output = new MemoryStream();
            var reading = process.StandardOutput.BaseStream.CopyToAsync(output);
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(ExampleTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-1, "", $"still running after {ExampleTimeout.TotalSeconds} s");
            }

            await reading;

            // Binary answers (an .npy, a tensor after its JSON header) are compared only where they are text.
            return (process.ExitCode, Encoding.UTF8.GetString(output.ToArray()), await error);
        }

        public void Dispose() => root.Delete(recursive: true);
    }
}
