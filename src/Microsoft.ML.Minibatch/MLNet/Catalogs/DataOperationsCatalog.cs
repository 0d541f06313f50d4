using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Operations on data: loading from objects, reading back into objects, taking, skipping, splitting, shuffling and caching.</summary>
public sealed class DataOperationsCatalog
{
    internal DataOperationsCatalog(MLContext context)
    {
        Environment = context;
    }

    /// <summary>The context this catalog belongs to (for extension methods such as <c>LoadIdx</c>).</summary>
    internal MLContext Environment { get; }

    /// <summary>A train set and a test set.</summary>
    public sealed class TrainTestData
    {
        internal TrainTestData(IDataView trainSet, IDataView testSet)
        {
            TrainSet = trainSet;
            TestSet = testSet;
        }

        /// <summary>The rows for training.</summary>
        public IDataView TrainSet { get; }

        /// <summary>The rows for testing.</summary>
        public IDataView TestSet { get; }
    }

    /// <summary>
    /// A lazy view over <paramref name="data"/>: each public field or property is a column (see the attributes in
    /// <c>Microsoft.ML.Data</c>); every cursor enumerates <paramref name="data"/> again.
    /// </summary>
    /// <typeparam name="TRow">The row class.</typeparam>
    /// <param name="data">The rows.</param>
    /// <param name="schemaDefinition">Overrides the mapping derived from <typeparamref name="TRow"/>.</param>
    /// <returns>The view.</returns>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data, SchemaDefinition? schemaDefinition = null)
        where TRow : class
    {
        ArgumentNullException.ThrowIfNull(data);
        return new EnumerableDataView<TRow>(data, schemaDefinition);
    }

    /// <summary>
    /// A lazy view over <paramref name="data"/> with the given <paramref name="schema"/> (types and annotations, for example
    /// key values); each column is read from the member of <typeparamref name="TRow"/> mapped to that column name.
    /// </summary>
    /// <typeparam name="TRow">The row class.</typeparam>
    /// <param name="data">The rows.</param>
    /// <param name="schema">The schema of the view.</param>
    /// <returns>The view.</returns>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data, DataViewSchema schema)
        where TRow : class
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(schema);
        return new EnumerableDataView<TRow>(data, schema);
    }

    /// <summary>Reads the rows of <paramref name="data"/> as objects, lazily.</summary>
    /// <typeparam name="TRow">The row class; each public writable field or property is filled from the column of its name.</typeparam>
    /// <param name="data">The data.</param>
    /// <param name="reuseRowObject">Return the same object for every row, refilled (faster, but rows must be consumed one at a time).</param>
    /// <param name="ignoreMissingColumns">Leave members without a matching column untouched instead of throwing.</param>
    /// <param name="schemaDefinition">Overrides the mapping derived from <typeparamref name="TRow"/>.</param>
    /// <returns>The rows.</returns>
    public IEnumerable<TRow> CreateEnumerable<TRow>(IDataView data, bool reuseRowObject, bool ignoreMissingColumns = false,
        SchemaDefinition? schemaDefinition = null)
        where TRow : class, new()
    {
        ArgumentNullException.ThrowIfNull(data);
        var reader = new ObjectFiller<TRow>(data.Schema, ignoreMissingColumns, schemaDefinition);
        return Enumerate(data, reader, reuseRowObject);
    }

    private static IEnumerable<TRow> Enumerate<TRow>(IDataView data, ObjectFiller<TRow> reader, bool reuse)
        where TRow : class, new()
    {
        using var cursor = data.GetRowCursor(reader.ColumnsNeeded);
        var fill = reader.CreateFiller(cursor);
        TRow? row = null;
        while (cursor.MoveNext())
        {
            if (!reuse || row == null) row = new TRow();
            fill(row);
            yield return row;
        }
    }

    /// <summary>The first <paramref name="count"/> rows of <paramref name="input"/>.</summary>
    /// <param name="input">The data.</param>
    /// <param name="count">The number of rows to keep (positive).</param>
    /// <returns>The view.</returns>
    public IDataView TakeRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Must be greater than zero.");
        return new SkipTakeDataView(input, 0, count);
    }

    /// <summary>The rows of <paramref name="input"/> after the first <paramref name="count"/>.</summary>
    /// <param name="input">The data.</param>
    /// <param name="count">The number of rows to skip (positive).</param>
    /// <returns>The view.</returns>
    public IDataView SkipRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Must be greater than zero.");
        return new SkipTakeDataView(input, count, long.MaxValue);
    }

    /// <summary>
    /// The rows of <paramref name="input"/> in a random order: they stream through a pool of
    /// <paramref name="shufflePoolSize"/> rows from which each next row is drawn at random. Deterministic for a seed.
    /// </summary>
    /// <param name="input">The data.</param>
    /// <param name="seed">The seed; <see langword="null"/> draws one from the context.</param>
    /// <param name="shufflePoolSize">The pool size (positive); a pool at least as large as the data gives a uniform permutation.</param>
    /// <param name="shuffleSource">Also read the source in a random order when it can shuffle (<see cref="IDataView.CanShuffle"/>).</param>
    /// <returns>The view.</returns>
    public IDataView ShuffleRows(IDataView input, int? seed = null, int shufflePoolSize = 1000, bool shuffleSource = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (shufflePoolSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(shufflePoolSize), shufflePoolSize, "Must be positive");
        return new ShuffleDataView(input, seed ?? Environment.NextSeed(), shufflePoolSize, shuffleSource);
    }

    /// <summary>
    /// A lazy in-memory cache of <paramref name="input"/>: each column is read from the input the first time a cursor
    /// asks for it, then served from memory (thread-safe; cursors may shuffle). <paramref name="columnsToPrefetch"/> are
    /// cached whenever anything is read.
    /// </summary>
    /// <param name="input">The data.</param>
    /// <param name="columnsToPrefetch">Columns always cached with the first read.</param>
    /// <returns>The cached view.</returns>
    public IDataView Cache(IDataView input, params string[] columnsToPrefetch)
    {
        ArgumentNullException.ThrowIfNull(input);
        columnsToPrefetch ??= Array.Empty<string>();
        var prefetch = new int[columnsToPrefetch.Length];
        for (int i = 0; i < prefetch.Length; i++)
            prefetch[i] = (input.Schema.GetColumnOrNull(columnsToPrefetch[i])
                ?? throw SchemaErrors.ExceptSchemaMismatch(nameof(columnsToPrefetch), "prefetch", columnsToPrefetch[i])).Index;
        return new CacheDataView(input, prefetch);
    }

    /// <summary>
    /// Splits <paramref name="data"/> into a train set and a test set of about <paramref name="testFraction"/> of the rows.
    /// Each row gets a pseudo-random number in [0, 1) from the seed and its position (or, with
    /// <paramref name="samplingKeyColumnName"/>, from the seed and that column's value, so equal values land on the
    /// same side); rows below <paramref name="testFraction"/> go to the test set. Deterministic for a seed.
    /// </summary>
    /// <param name="data">The data.</param>
    /// <param name="testFraction">The expected fraction of test rows, strictly between 0 and 1.</param>
    /// <param name="samplingKeyColumnName">A column whose equal values must stay together, or <see langword="null"/>.</param>
    /// <param name="seed">The seed; <see langword="null"/> draws one from the context.</param>
    /// <returns>The two sets.</returns>
    public TrainTestData TrainTestSplit(IDataView data, double testFraction = 0.1, string? samplingKeyColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Must be between 0 and 1 exclusive");
        int s = seed ?? Environment.NextSeed();
        DataViewSchema.Column[] columns = Array.Empty<DataViewSchema.Column>();
        Func<DataViewRowCursor, Func<double>> makeValue;
        if (samplingKeyColumnName == null)
        {
            makeValue = cursor => () => SplitHash.Uniform(s, cursor.Position);
        }
        else
        {
            var column = data.Schema.GetColumnOrNull(samplingKeyColumnName)
                ?? throw SchemaErrors.ExceptSchemaMismatch(nameof(samplingKeyColumnName), "SamplingKeyColumn", samplingKeyColumnName);
            columns = new[] { column };
            makeValue = cursor => SplitHash.MakeColumnHasher(cursor, column, s);
        }
        IDataView Side(bool test) => new FilterDataView(data, columns, cursor =>
        {
            var value = makeValue(cursor);
            return () => value() < testFraction == test;
        });
        return new TrainTestData(Side(test: false), Side(test: true));
    }

    /// <summary>
    /// Keeps the rows whose value in <paramref name="columnName"/> (a number column) lies in [<paramref name="lowerBound"/>,
    /// <paramref name="upperBound"/>); NaN values are dropped.
    /// </summary>
    /// <param name="input">The data.</param>
    /// <param name="columnName">The column to test.</param>
    /// <param name="lowerBound">The inclusive lower bound.</param>
    /// <param name="upperBound">The exclusive upper bound.</param>
    /// <returns>The filtered view.</returns>
    public IDataView FilterRowsByColumn(IDataView input, string columnName, double lowerBound = double.NegativeInfinity, double upperBound = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (string.IsNullOrEmpty(columnName))
            throw new ArgumentOutOfRangeException(nameof(columnName), "columnName cannot be null or empty");
        // ML.NET's wording, kept as is.
        if (!(lowerBound < upperBound))
            throw new ArgumentOutOfRangeException(nameof(upperBound), "Must be less than lowerBound");
        var column = input.Schema[columnName];
        if (column.Type is not NumberDataViewType)
            throw SchemaErrors.ExceptSchemaMismatch(nameof(columnName), "filter", columnName, "number", column.Type.ToString()!);
        return new FilterDataView(input, new[] { column }, cursor =>
        {
            var value = RowValues.MakeDoubleGetter(cursor, column);
            return () =>
            {
                double v = value();
                return v >= lowerBound && v < upperBound;
            };
        });
    }

    /// <summary>
    /// Drops the rows with a missing value in any of <paramref name="columns"/>: NaN for floating point (any slot of a
    /// vector), key 0 for keys. Other types have no missing value.
    /// </summary>
    /// <param name="input">The data.</param>
    /// <param name="columns">The columns to test (at least one).</param>
    /// <returns>The filtered view.</returns>
    public IDataView FilterRowsByMissingValues(IDataView input, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (columns == null || columns.Length == 0)
            throw new ArgumentOutOfRangeException(nameof(columns), "At least one column is required.");
        var selected = columns.Select(name => input.Schema.GetColumnOrNull(name)
            ?? throw SchemaErrors.ExceptSchemaMismatch(nameof(columns), "filter", name)).ToArray();
        return new FilterDataView(input, selected, cursor =>
        {
            var tests = selected.Select(c => RowValues.MakeIsMissing(cursor, c)).ToArray();
            return () =>
            {
                foreach (var t in tests)
                    if (t()) return false;
                return true;
            };
        });
    }
}
