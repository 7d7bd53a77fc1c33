using System.Text.RegularExpressions;

namespace Autoencoder.Training.Tests.Build;

/// <summary>
/// CI builds and tests <c>Autoencoder.sln</c> and nothing else, so a project left out of it (a benchmark, the fuzz
/// harness) can stop compiling without anyone noticing.
/// </summary>
public sealed partial class SolutionTests
{
    [Fact]
    public void EveryProjectInTheRepositoryIsInTheSolution()
    {
        var inSolution = ProjectsInSolution(Path.Combine(TestData.RepositoryRoot, "Autoencoder.sln"));
        var inRepository = ProjectsUnder(TestData.RepositoryRoot);

        Assert.NotEmpty(inRepository);
        Assert.Empty(inRepository.Except(inSolution, StringComparer.Ordinal));
    }

    /// <summary>The project files the solution lists, relative to the repository root with forward slashes.</summary>
    private static HashSet<string> ProjectsInSolution(string solution) =>
        File.ReadLines(solution)
            .Select(line => SolutionProjectLine().Match(line))
            .Where(match => match.Success)
            .Select(match => match.Groups["path"].Value.Replace('\\', '/'))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>Every *.csproj below <paramref name="root"/>, leaving out build output and hidden folders such as .git.</summary>
    private static List<string> ProjectsUnder(string root)
    {
        var projects = new List<string>();
        var folders = new Stack<DirectoryInfo>([new DirectoryInfo(root)]);
        while (folders.TryPop(out var folder))
        {
            projects.AddRange(folder.EnumerateFiles("*.csproj").Select(file => Path.GetRelativePath(root, file.FullName).Replace('\\', '/')));
            foreach (var child in folder.EnumerateDirectories())
            {
                if (child.Name is not ("bin" or "obj") && !child.Name.StartsWith('.'))
                {
                    folders.Push(child);
                }
            }
        }

        return projects;
    }

    // Project("{type}") = "Name", "relative\path\Name.csproj", "{guid}"
    [GeneratedRegex("""^Project\("\{[^}]+\}"\) = "[^"]*", "(?<path>[^"]+\.csproj)",""")]
    private static partial Regex SolutionProjectLine();
}
