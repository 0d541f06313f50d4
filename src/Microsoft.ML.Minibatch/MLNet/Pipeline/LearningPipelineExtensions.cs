using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>The <c>Append</c> methods that build estimator and transformer chains.</summary>
public static class LearningPipelineExtensions
{
    /// <summary>Chains <paramref name="estimator"/> after <paramref name="start"/>.</summary>
    /// <typeparam name="TTrans">The transformer type of the appended estimator.</typeparam>
    /// <param name="start">The first estimator.</param>
    /// <param name="estimator">The estimator to append.</param>
    /// <param name="scope">When the appended transformer applies.</param>
    /// <returns>The chain.</returns>
    public static EstimatorChain<TTrans> Append<TTrans>(this IEstimator<ITransformer> start, IEstimator<TTrans> estimator,
        TransformerScope scope = TransformerScope.Everything)
        where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<ITransformer>().Append(start).Append(estimator, scope);
    }

    /// <summary>Chains <paramref name="transformer"/> after <paramref name="start"/>.</summary>
    /// <typeparam name="TTrans">The type of the appended transformer.</typeparam>
    /// <param name="start">The first transformer.</param>
    /// <param name="transformer">The transformer to append.</param>
    /// <returns>The chain.</returns>
    public static TransformerChain<TTrans> Append<TTrans>(this ITransformer start, TTrans transformer)
        where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(transformer);
        return new TransformerChain<TTrans>(start, transformer);
    }

    /// <summary>Chains <paramref name="start"/> with a cache checkpoint after it (see <see cref="EstimatorChain{TLastTransformer}.AppendCacheCheckpoint"/>).</summary>
    /// <typeparam name="TTrans">The transformer type of <paramref name="start"/>.</typeparam>
    /// <param name="start">The estimator whose output is cached while fitting what follows.</param>
    /// <param name="env">The context.</param>
    /// <returns>The chain.</returns>
    public static EstimatorChain<TTrans> AppendCacheCheckpoint<TTrans>(this IEstimator<TTrans> start, MLContext env)
        where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        return new EstimatorChain<TTrans>().Append(start).AppendCacheCheckpoint(env);
    }
}
