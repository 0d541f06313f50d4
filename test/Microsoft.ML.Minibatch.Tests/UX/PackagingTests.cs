using System.Reflection;
using System.Xml.Linq;

namespace Microsoft.ML.Minibatch.Tests.UX;

/// <summary>
/// What the three packages promise that a project file could silently lose: IDs outside NuGet's reserved
/// <c>Microsoft.</c> prefix, a package readme without host names or history, the TorchSharp build fix under the name
/// NuGet imports, and a command-line version that is the package version. scripts/consumer-test.sh builds and
/// installs the packages themselves.
/// </summary>
[TestClass]
public sealed class PackagingTests
{
    private static readonly (string Project, string PackageId)[] Packages =
    [
        ("src/Microsoft.ML.Minibatch/Microsoft.ML.Minibatch.csproj", "Minibatch.ML"),
        ("src/Microsoft.ML.Minibatch.TorchSharp/Microsoft.ML.Minibatch.TorchSharp.csproj", "Minibatch.ML.TorchSharp"),
        ("src/Samples/Samples.csproj", "Minibatch.ML.Tool"),
    ];

    private static string Property(XDocument project, string name) =>
        project.Descendants(name).Select(e => e.Value.Trim()).FirstOrDefault() ?? "";

    [TestMethod]
    public void Packages_HaveTheirOwnIds_AndAReadmeOfTheirOwn()
    {
        foreach (var (path, id) in Packages)
        {
            var project = XDocument.Load(RepositoryFiles.Path(path));
            Assert.AreEqual("true", Property(project, "IsPackable"), path);
            Assert.AreEqual(id, Property(project, "PackageId"), path);
            Assert.IsFalse(id.StartsWith("Microsoft.", StringComparison.OrdinalIgnoreCase), $"{id}: NuGet reserves the Microsoft. prefix");
            Assert.IsFalse(string.IsNullOrWhiteSpace(Property(project, "Description")), $"{path} has no Description");

            var readme = project.Descendants("None").SingleOrDefault(e => (string?)e.Attribute("PackagePath") == "README.md");
            Assert.IsNotNull(readme, $"{path} packs no README.md");
            string file = Path.Combine(Path.GetDirectoryName(path)!, (string)readme.Attribute("Include")!);
            string text = File.ReadAllText(RepositoryFiles.Path(file));
            StringAssert.StartsWith(text, $"# {id}\n");
            Assert.DoesNotContain("://", text, $"{file} names a host");
            Assert.DoesNotContain("issue ", text, $"{file} mentions an issue");
        }

        var props = XDocument.Load(RepositoryFiles.Path("Directory.Build.props"));
        Assert.AreEqual("MIT", Property(props, "PackageLicenseExpression"));
        Assert.AreEqual("README.md", Property(props, "PackageReadmeFile"));
        Assert.AreEqual("snupkg", Property(props, "SymbolPackageFormat"));
        Assert.AreEqual("true", Property(props, "EnablePackageValidation"));
        Assert.AreEqual("", Property(props, "PackageProjectUrl") + Property(props, "RepositoryUrl"), "the packages name no host");
        StringAssert.StartsWith(File.ReadAllText(RepositoryFiles.Path("LICENSE")), "MIT License");
    }

    /// <summary>NuGet imports a package's buildTransitive/&lt;package id&gt;.targets and nothing else: the Debian 12 fix
    /// reaches a consumer of Minibatch.ML.TorchSharp only under that name.</summary>
    [TestMethod]
    public void TorchSharpBuildFix_IsNamedAfterItsPackage()
    {
        Assert.IsTrue(File.Exists(RepositoryFiles.Path("src/Microsoft.ML.Minibatch.TorchSharp/buildTransitive/Minibatch.ML.TorchSharp.targets")));
        Assert.HasCount(1, Directory.GetFiles(RepositoryFiles.Path("src/Microsoft.ML.Minibatch.TorchSharp/buildTransitive")));
        StringAssert.Contains(File.ReadAllText(RepositoryFiles.Path("Directory.Build.targets")), "buildTransitive/Minibatch.ML.TorchSharp.targets");
    }

    /// <summary>The installed tool has no libtorch: <c>--engine torchsharp</c> says so and names the ways out, before
    /// TorchSharp would search the machine for libtorch; built from the repository, the option gives the engine.</summary>
    [TestMethod]
    public void ToolWithoutLibTorch_RefusesTheTorchSharpEngine_InOneLine()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Samples.ToolPackage.CreateTorchSharpEngine(2, withoutLibTorch: true));
        StringAssert.Contains(e.Message, "does not carry libtorch");
        StringAssert.Contains(e.Message, "managed engine");
        Assert.DoesNotContain("\n", e.Message);
        var engine = Samples.ToolPackage.CreateTorchSharpEngine(2, withoutLibTorch: false);
        Assert.IsInstanceOfType<Minibatch.TorchSharp.TorchSharpEngine>(engine);
        Assert.AreEqual("torchsharp", engine.Name);
        Assert.IsFalse(AppContext.TryGetSwitch(Samples.ToolPackage.WithoutLibTorchSwitch, out bool set) && set, "the tests run with libtorch");
    }

    /// <summary><c>minibatch --version</c> prints the assembly's informational version: it must be the package version,
    /// without the commit the SDK would append.</summary>
    [TestMethod]
    public void CommandLineVersion_IsThePackageVersion()
    {
        string version = Property(XDocument.Load(RepositoryFiles.Path("Directory.Build.props")), "Version");
        Assert.IsFalse(string.IsNullOrEmpty(version));
        foreach (var assembly in new[] { typeof(Samples.CommandLineHost).Assembly, typeof(MinibatchTrainer).Assembly })
        {
            string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            Assert.AreEqual(version, informational, assembly.GetName().Name);
        }
    }
}
