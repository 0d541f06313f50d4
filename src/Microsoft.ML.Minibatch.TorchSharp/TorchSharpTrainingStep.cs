using Microsoft.ML.Minibatch.Training;
using TorchSharp;
using static TorchSharp.torch;
using OurDropout = Microsoft.ML.Minibatch.NN.Dropout;
using OurLinear = Microsoft.ML.Minibatch.NN.Linear;
using OurModule = Microsoft.ML.Minibatch.NN.Module;
using OurParameter = Microsoft.ML.Minibatch.NN.Parameter;
using OurReLU = Microsoft.ML.Minibatch.NN.ReLU;
using OurSequential = Microsoft.ML.Minibatch.NN.Sequential;
using Tensor = Microsoft.ML.Minibatch.Tensors.Tensor;
using IntTensor = Microsoft.ML.Minibatch.Tensors.IntTensor;

namespace Microsoft.ML.Minibatch.TorchSharp;

/// <summary>
/// One engine step on libtorch. The network is rebuilt as <c>torch.nn.Sequential</c> with the same keys, loaded from
/// our network's weights; each batch is copied into libtorch tensors inside a dispose scope, so that nothing of a step
/// outlives it; the weights go back into our network whenever the fit loop asks.
/// </summary>
internal sealed class TorchSharpTrainingStep : TrainingStep
{
    private readonly OurSequential _model;
    private readonly global::TorchSharp.Modules.Sequential _net;
    private readonly IReadOnlyList<(OurParameter Ours, global::TorchSharp.Modules.Parameter Theirs)> _parameters;
    private readonly optim.Optimizer _optimizer;
    private readonly bool _hasMomentum;
    private readonly bool _plainSgd;
    private Scalar? _negativeRate;
    private long[] _labels = [];

    public TorchSharpTrainingStep(OurSequential model, OptimizerSettings settings)
    {
        _model = model;
        var layers = new List<(string, nn.Module<torch.Tensor, torch.Tensor>)>();
        for (int i = 0; i < model.Count; i++)
        {
            string key = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            layers.Add(model[i] switch
            {
                OurLinear l => (key, nn.Linear(l.InFeatures, l.OutFeatures, hasBias: l.Bias is not null)),
                OurReLU => (key, nn.ReLU()),
                // Its masks come from libtorch's generator (torch.manual_seed), not from ours.
                OurDropout d => (key, nn.Dropout(d.P)),
                var other => throw new ArgumentException($"The TorchSharp engine trains Linear, ReLU and Dropout layers; layer {i} is {other.GetType().Name}.", nameof(model)),
            });
        }
        _net = nn.Sequential(layers);
        // libtorch draws the dropout masks from its global generator: seed it from ours (one draw, only when there is
        // dropout), so that a seeded run on this engine is reproducible too — though its masks are not ours.
        var dropout = Enumerable.Range(0, model.Count).Select(i => model[i]).OfType<OurDropout>().FirstOrDefault();
        if (dropout is not null) torch.manual_seed((long)(dropout.Generator.NextUInt64() >> 1));
        var theirs = _net.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        _parameters = model.NamedParameters().Select(p => (p.Parameter, theirs[p.Name])).ToList();
        CopyWeightsFromModel();
        _hasMomentum = settings.Kind != OptimizerKind.Sgd || settings.Momentum != 0;
        _plainSgd = settings.Kind == OptimizerKind.Sgd && settings.Momentum == 0 && settings.WeightDecay == 0;
        _optimizer = settings.Kind switch
        {
            OptimizerKind.Adam => optim.Adam(_net.parameters(), settings.LearningRate, weight_decay: settings.WeightDecay),
            OptimizerKind.AdamW => optim.AdamW(_net.parameters(), settings.LearningRate, weight_decay: settings.WeightDecay),
            _ => optim.SGD(_net.parameters(), settings.LearningRate, momentum: settings.Momentum, weight_decay: settings.WeightDecay),
        };
    }

    public override OurModule Model => _model;

    public override double LearningRate
    {
        get => _optimizer.ParamGroups.First().LearningRate;
        set
        {
            foreach (var group in _optimizer.ParamGroups) group.LearningRate = value;
            _negativeRate?.Dispose();
            _negativeRate = null;
        }
    }

    /// <summary>SGD's momentum, or Adam's and AdamW's β1, through TorchSharp's parameter groups (null for SGD without momentum).</summary>
    public override double? Momentum
    {
        get => !_hasMomentum ? null : _optimizer.ParamGroups.First() switch
        {
            optim.IMomentum m => m.Momentum,
            optim.IBetas b => b.Betas.Item1,
            _ => null,
        };
        set
        {
            double momentum = value ?? throw new ArgumentNullException(nameof(value));
            if (!_hasMomentum) base.Momentum = value;
            foreach (var group in _optimizer.ParamGroups)
            {
                if (group is optim.IMomentum m) m.Momentum = momentum;
                else if (group is optim.IBetas b) b.Betas = (momentum, b.Betas.Item2);
            }
        }
    }

    public override float Train(Tensor features, IntTensor labels)
    {
        _net.train();
        // Made before the scope opens, so that the scope does not dispose it: it lives until the rate changes.
        if (_plainSgd) _negativeRate ??= (-LearningRate).ToScalar();
        using var scope = torch.NewDisposeScope();
        var loss = nn.functional.cross_entropy(_net.forward(ToTorch(features)), ToTorch(labels));
        float value = loss.item<float>();
        // A diverged loss is the fit loop's to report; stepping on it would only spoil the weights further.
        if (!float.IsFinite(value)) return value;
        _optimizer.zero_grad();
        loss.backward();
        if (_plainSgd) StepPlainSgd(_negativeRate!);
        else _optimizer.step();
        return value;
    }

    /// <summary>
    /// torch.optim.SGD's update without momentum or weight decay, p ← p + (−lr)·g (its very operation, so the same bits).
    /// TorchSharp's own SGD hands libtorch the rate as a temporary Scalar for every parameter, and on long runs libtorch
    /// was seen reading that Scalar after it was freed ("c10::Scalar::toFloat" failing inside add_); this one stays
    /// alive until the rate changes.
    /// </summary>
    private void StepPlainSgd(Scalar negativeRate)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, theirs) in _parameters)
        {
            if (theirs.grad is { } gradient) theirs.add_(gradient, negativeRate);
        }
        GC.KeepAlive(negativeRate);
    }

    public override (float Loss, int Correct) Evaluate(Tensor features, IntTensor labels)
    {
        _net.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var target = ToTorch(labels);
        var output = _net.forward(ToTorch(features));
        float loss = nn.functional.cross_entropy(output, target).item<float>();
        long correct = output.argmax(1).eq(target).sum().item<long>();
        return (loss, (int)correct);
    }

    public override void CopyWeightsToModel()
    {
        foreach (var (ours, theirs) in _parameters)
            theirs.detach().cpu().data<float>().ToArray().CopyTo(ours.AsSpan());
    }

    public override void CopyWeightsFromModel()
    {
        using var noGrad = torch.no_grad();
        foreach (var (ours, theirs) in _parameters)
        {
            using var values = torch.tensor(ours.AsSpan().ToArray(), theirs.shape);
            theirs.copy_(values);
        }
    }

    private static torch.Tensor ToTorch(Tensor features)
    {
        var shape = new long[features.Rank];
        for (int d = 0; d < shape.Length; d++) shape[d] = features.Size(d);
        return torch.tensor(features.AsSpan().ToArray(), shape);
    }

    private torch.Tensor ToTorch(IntTensor labels)
    {
        // cross_entropy takes int64 class indices.
        if (_labels.Length != labels.ElementCount) _labels = new long[labels.ElementCount];
        for (int i = 0; i < _labels.Length; i++) _labels[i] = labels[i];
        return torch.tensor(_labels);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _negativeRate?.Dispose();
            _optimizer.Dispose();
            _net.Dispose();
        }
        base.Dispose(disposing);
    }
}
