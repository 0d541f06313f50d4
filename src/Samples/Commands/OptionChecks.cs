using System.CommandLine;

namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>The commands' one way to refuse an option value: a usage error (exit 2) with the message and the value.</summary>
internal static class OptionChecks
{
    /// <summary>Adds a validator that reports <paramref name="message"/> when <paramref name="isValid"/> is false.</summary>
    public static void Add<T>(Option<T> option, Func<T, bool> isValid, string message)
    {
        option.Validators.Add(result =>
        {
            T? value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return; // The value does not parse as T: the parser reports that error itself.
            }
            if (!isValid(value!)) result.AddError($"{message} (got '{string.Join(' ', result.Tokens.Select(t => t.Value))}').");
        });
    }
}
