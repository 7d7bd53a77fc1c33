namespace Autoencoder.Api.Tests.Documentation;

/// <summary>A shell example from the documentation: its commands, and what it is shown to print, if anything.</summary>
/// <param name="File">The Markdown file, relative to the repository root.</param>
/// <param name="Line">The line of the opening fence, for the failure message.</param>
/// <param name="Commands">The block's text, as a reader would paste it.</param>
/// <param name="Runs">False for a block fenced as <c>sh no-run</c> (a training run, a container build).</param>
/// <param name="Shown">The <c>json</c> or <c>text</c> block right after it, if there is one.</param>
public sealed record ShellExample(string File, int Line, string Commands, bool Runs, ShownOutput? Shown)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>What an example is shown to print: <c>json</c> or <c>text</c>, as its fence says.</summary>
public sealed record ShownOutput(string Language, string Text);

/// <summary>
/// Reads the shell examples out of Markdown: fenced blocks whose info string is <c>sh</c> (run) or <c>sh no-run</c>,
/// each paired with a <c>json</c> or <c>text</c> block that follows it with nothing but blank lines between.
/// </summary>
public static class MarkdownExamples
{
    public const string NoRun = "sh no-run";

    /// <summary>The README and the top-level pages of docs/; the reports in docs/'s sub-folders are written by the trainer.</summary>
    public static IEnumerable<string> DocumentationFiles(string repositoryRoot) =>
        new[] { "README.md" }.Concat(
            Directory.GetFiles(Path.Combine(repositoryRoot, "docs"), "*.md")
                .Select(path => Path.GetRelativePath(repositoryRoot, path))
                .Order(StringComparer.Ordinal));

    public static IReadOnlyList<ShellExample> Read(string repositoryRoot, string file)
    {
        var blocks = Fences(File.ReadAllLines(Path.Combine(repositoryRoot, file))).ToList();
        var examples = new List<ShellExample>();
        for (var i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            if (block.Info is not ("sh" or NoRun))
            {
                continue;
            }

            var next = i + 1 < blocks.Count ? blocks[i + 1] : null;
            var shown = next is { Info: "json" or "text", FollowsDirectly: true } ? new ShownOutput(next.Info, next.Text) : null;
            examples.Add(new ShellExample(file, block.Line, block.Text, block.Info == "sh", shown));
        }

        return examples;
    }

    private sealed record Fence(string Info, int Line, string Text, bool FollowsDirectly);

    private static IEnumerable<Fence> Fences(string[] lines)
    {
        var afterFence = false;
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                afterFence &= string.IsNullOrWhiteSpace(lines[i]);
                continue;
            }

            var info = lines[i][3..].Trim();
            var start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && lines[i].TrimEnd() != "```"; i++)
            {
                body.Add(lines[i]);
            }

            yield return new Fence(info, start + 1, string.Join('\n', body) + "\n", afterFence);
            afterFence = true;
        }
    }
}
