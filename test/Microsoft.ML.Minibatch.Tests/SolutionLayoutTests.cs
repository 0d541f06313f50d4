namespace Microsoft.ML.Minibatch.Tests;

[TestClass]
public sealed class SolutionLayoutTests
{
    [TestMethod]
    public void LibraryAssembly_IsNamedAfterTheProduct()
    {
        var assembly = typeof(Microsoft.ML.Minibatch.Samples.CommandLineHost).Assembly;
        Assert.AreEqual("minibatch", assembly.GetName().Name);
    }

    /// <summary>A type of ours in ML.NET's namespaces would clash with ML.NET's own (CS0433) in every application that
    /// references both; only static extension classes may live there, as ML.NET's satellite packages do it.</summary>
    [TestMethod]
    public void Library_DefinesNoPublicNonStaticTypeInMlNetsNamespaces()
    {
        string[] theirs = ["Microsoft.ML", "Microsoft.ML.Data", "Microsoft.ML.Transforms", "Microsoft.ML.Runtime", "Microsoft.ML.Trainers"];
        var exported = typeof(MinibatchTrainer).Assembly.GetExportedTypes();
        var squatting = exported.Where(t => theirs.Contains(t.Namespace) && !(t.IsAbstract && t.IsSealed)).Select(t => t.FullName).ToList();
        Assert.IsEmpty(squatting, string.Join(", ", squatting));
        Assert.Contains(typeof(Microsoft.ML.MinibatchCatalog), exported);
        Assert.IsGreaterThan(20, exported.Count(t => t.Namespace?.StartsWith("Microsoft.ML.Minibatch", StringComparison.Ordinal) == true));
    }
}
