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
}
