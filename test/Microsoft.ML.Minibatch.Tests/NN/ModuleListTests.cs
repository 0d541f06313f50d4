using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.NN;

/// <summary>
/// <see cref="ModuleList"/> against PyTorch 1.13's <c>nn.ModuleList</c>: the expected reprs and keys below are what
/// <c>print(model)</c> and <c>model.state_dict().keys()</c> give in /usr/bin/python3 for the same model.
/// </summary>
[TestClass]
public sealed class ModuleListTests
{
    private sealed class Holder : Module
    {
        public Holder(params Module[] layers) => Layers = RegisterModule("layers", new ModuleList(layers));

        public ModuleList Layers { get; }

        public override Tensor Forward(Tensor input)
        {
            foreach (var layer in Layers) input = layer.Forward(input);
            return input;
        }
    }

    private static Holder Lesson(ulong seed = 1)
    {
        var g = new Generator(seed);
        return new Holder(new Linear(784, 50, generator: g), new ReLU(), new Linear(50, 10, generator: g));
    }

    [TestMethod]
    public void Every_item_is_registered_with_PyTorchs_keys_and_repr()
    {
        var model = Lesson();
        CollectionAssert.AreEqual(new[] { "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias" }, model.StateDict().Keys.ToArray());
        Assert.AreEqual(4, model.Parameters().Count());
        Assert.AreEqual(string.Join('\n',
            "Holder(",
            "  (layers): ModuleList(",
            "    (0): Linear(in_features=784, out_features=50, bias=True)",
            "    (1): ReLU()",
            "    (2): Linear(in_features=50, out_features=10, bias=True)",
            "  )",
            ")"), model.ToString());
        Assert.AreEqual("ModuleList(\n  (0): ReLU()\n  (1): ReLU()\n)", new ModuleList(new ReLU(), new ReLU()).ToString());
        Assert.AreEqual("ModuleList()", new ModuleList().ToString());
    }

    [TestMethod]
    public void Same_weights_as_Sequential_from_the_same_seed_and_the_same_outputs()
    {
        var g = new Generator(1);
        var sequential = new Sequential(new Linear(784, 50, generator: g), new ReLU(), new Linear(50, 10, generator: g));
        var model = Lesson();
        var x = Tensor.FromArray(Enumerable.Range(0, 2 * 784).Select(i => (i % 17) / 17f).ToArray(), 2, 784);
        CollectionAssert.AreEqual(sequential.Forward(x).ToArray(), model.Forward(x).ToArray());
        // The state dict of one loads into the other once the prefix is added, as in PyTorch.
        model.LoadStateDict(sequential.StateDict().ToDictionary(p => "layers." + p.Key, p => p.Value));
    }

    [TestMethod]
    public void Indexing_counts_from_either_end_and_out_of_range_is_an_error()
    {
        var relu = new ReLU();
        var list = new ModuleList(new Linear(2, 3), relu, new Linear(3, 1));
        Assert.AreEqual(3, list.Count);
        Assert.AreSame(relu, list[1]);
        Assert.AreSame(list[2], list[-1]);
        Assert.AreSame(list[0], list[-3]);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => list[3]);
        StringAssert.Contains(e.Message, "index 3 is out of range");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => list[-4]);
    }

    [TestMethod]
    public void Add_AddRange_and_replacing_an_item_keep_the_registration_in_step()
    {
        var list = new ModuleList();
        list.Add(new Linear(2, 3)).AddRange([new ReLU(), new Linear(3, 1)]);
        Assert.AreEqual(3, list.Count);
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, list.StateDict().Keys.ToArray());
        var replacement = new Linear(3, 4, bias: false);
        list[-1] = replacement;
        Assert.AreSame(replacement, list[2]);
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "2.weight" }, list.StateDict().Keys.ToArray());
        CollectionAssert.AreEqual(new[] { 4, 3 }, list.StateDict()["2.weight"].GetShape());
        CollectionAssert.AreEqual(new[] { "0", "1", "2" }, list.NamedChildren().Select(c => c.Name).ToArray());
    }

    [TestMethod]
    public void Modes_reach_the_items_and_the_list_itself_has_no_forward()
    {
        var model = Lesson();
        model.Eval();
        Assert.IsTrue(model.Layers.All(l => !l.IsTraining));
        model.Train();
        Assert.IsTrue(model.Layers.All(l => l.IsTraining));
        var e = Assert.ThrowsExactly<NotSupportedException>(() => model.Layers.Forward(Tensor.Zeros(1, 784)));
        StringAssert.Contains(e.Message, "forward");
    }
}
