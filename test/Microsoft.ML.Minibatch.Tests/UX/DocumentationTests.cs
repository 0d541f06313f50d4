using System.Text;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Minibatch.Tests.UX;

/// <summary>
/// The README and the pages under docs/: their links lead somewhere, they read as documentation of the code (no issue
/// numbers, branches or session history), the README stays a short front door, and its test command is what CI runs.
/// The code blocks that quote the examples are checked in <see cref="ExamplesTests"/>.
/// </summary>
[TestClass]
public sealed partial class DocumentationTests
{
    /// <summary>README.md and every docs/*.md, as paths relative to the repository root with forward slashes.</summary>
    public static IReadOnlyList<string> Pages()
    {
        var pages = new List<string> { "README.md" };
        pages.AddRange(Directory.GetFiles(RepositoryFiles.Path("docs"), "*.md")
            .Select(p => "docs/" + Path.GetFileName(p))
            .Order(StringComparer.Ordinal));
        return pages;
    }

    [TestMethod]
    public void Docs_HoldThePagesTheReadmeLinks()
    {
        var pages = Pages();
        foreach (string page in new[] { "trainer", "engine", "model-files", "command-line", "data", "recipes", "examples", "performance", "errors" })
            Assert.Contains($"docs/{page}.md", pages);
    }

    [TestMethod]
    public void Links_LeadToFilesAndHeadingsThatExist()
    {
        var broken = new List<string>();
        int checkedLinks = 0;
        foreach (string page in Pages())
        {
            string text = WithoutCode(Read(page));
            foreach (Match link in LinkPattern().Matches(text))
            {
                string target = link.Groups["target"].Value;
                if (target.StartsWith("https://", StringComparison.Ordinal)) continue;
                Assert.IsFalse(target.StartsWith("http:", StringComparison.Ordinal), $"{page}: plain http link {target}");
                checkedLinks++;
                string file = target, anchor = "";
                int hash = target.IndexOf('#', StringComparison.Ordinal);
                if (hash >= 0) (file, anchor) = (target[..hash], target[(hash + 1)..]);
                string resolved = file.Length == 0
                    ? page
                    : Path.GetRelativePath(RepositoryFiles.Root, Path.GetFullPath(Path.Combine(RepositoryFiles.Root, Path.GetDirectoryName(page) ?? "", file))).Replace('\\', '/');
                string full = RepositoryFiles.Path(resolved);
                if (!File.Exists(full) && !Directory.Exists(full)) { broken.Add($"{page}: {target} (no {resolved})"); continue; }
                if (anchor.Length > 0 && !Anchors(Read(resolved)).Contains(anchor)) broken.Add($"{page}: {target} (no heading #{anchor} in {resolved})");
            }
        }
        Assert.IsEmpty(broken, string.Join(Environment.NewLine, broken));
        Assert.IsGreaterThan(20, checkedLinks, "the pages link each other");
    }

    [TestMethod]
    public void Anchors_FollowGitHubsHeadingIds()
    {
        var anchors = Anchors("# A CSV file beside ML.NET's own trainer\n## What `MinibatchTransformer.Load` checks\n## train\n## train\n```\n# not a heading\n```\n");
        CollectionAssert.AreEquivalent(new[] { "a-csv-file-beside-mlnets-own-trainer", "what-minibatchtransformerload-checks", "train", "train-1" }, anchors.ToArray());
    }

    [TestMethod]
    public void Pages_DescribeTheCode_NotItsHistory()
    {
        var found = new List<string>();
        foreach (string page in Pages())
        {
            string[] lines = Read(page).Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                foreach (Match m in HistoryPattern().Matches(lines[i]))
                    found.Add($"{page}:{i + 1}: \"{m.Value}\"");
            }
        }
        Assert.IsEmpty(found, string.Join(Environment.NewLine, found));
        Assert.IsTrue(HistoryPattern().IsMatch("Where issue 15 ended"));
        Assert.IsTrue(HistoryPattern().IsMatch("on branch wip/issue15-ownership-split"));
        Assert.IsTrue(HistoryPattern().IsMatch("the previous session's runs"));
    }

    [TestMethod]
    public void Readme_IsAShortFrontDoor()
    {
        string[] lines = Read("README.md").Split('\n');
        Assert.IsLessThanOrEqualTo(300, lines.Length, "the README is a front door; depth belongs in docs/");
        int install = Array.FindIndex(lines, l => l == "## Install");
        int program = Array.FindIndex(lines, l => l == "## A first program");
        int commandLine = Array.FindIndex(lines, l => l == "## The command line");
        Assert.IsTrue(install is > 0 and < 40, $"## Install is on line {install + 1}");
        Assert.IsTrue(program > install && program < 70, $"## A first program is on line {program + 1}");
        Assert.IsGreaterThan(program, commandLine);
        string text = string.Join('\n', lines);
        StringAssert.Contains(text, "dotnet add package Minibatch.ML");
        StringAssert.Contains(text, "dotnet tool install --global Minibatch.ML.Tool");
    }

    [TestMethod]
    public void ReadmesTestCommand_IsTheCommandCiRuns()
    {
        string command = ReadmeTestCommand();
        StringAssert.StartsWith(command, "dotnet test ");
        string[] ci = File.ReadAllLines(RepositoryFiles.Path(".ci/run"));
        Assert.IsTrue(ci.Any(l => l.Trim().StartsWith(command + " ", StringComparison.Ordinal) || l.Trim() == command),
            $".ci/run does not run the README's test command \"{command}\"");
    }

    /// <summary>The README's contributor command that runs the tests, without its comment.</summary>
    internal static string ReadmeTestCommand()
    {
        string? line = Read("README.md").Split('\n').FirstOrDefault(l => l.StartsWith("dotnet test", StringComparison.Ordinal));
        Assert.IsNotNull(line, "the README gives no `dotnet test` command");
        int comment = line.IndexOf('#', StringComparison.Ordinal);
        return (comment >= 0 ? line[..comment] : line).Trim();
    }

    private static string Read(string page) => File.ReadAllText(RepositoryFiles.Path(page)).ReplaceLineEndings("\n");

    private static string WithoutCode(string markdown) =>
        InlineCodePattern().Replace(FencePattern().Replace(markdown, ""), "");

    /// <summary>The ids GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string line in FencePattern().Replace(markdown, "").Split('\n'))
        {
            Match heading = HeadingPattern().Match(line);
            if (!heading.Success) continue;
            var id = new StringBuilder();
            foreach (char c in heading.Groups["title"].Value.Trim().ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_') id.Append(c);
                else if (c == ' ') id.Append('-');
            }
            string slug = id.ToString();
            int count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            ids.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return ids;
    }

    [GeneratedRegex(@"\[(?<text>[^\]\n]+)\]\((?<target>[^)\s]+)\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex FencePattern();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex InlineCodePattern();

    [GeneratedRegex(@"^#{1,6} (?<title>.+)$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"(?i)\bissues? #?\d+|\bissue\d+|\bwip/|\b(previous|this|last|next) session\b|\bsession's\b|\bon (the )?branch\b")]
    private static partial Regex HistoryPattern();
}
