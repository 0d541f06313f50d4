using Microsoft.ML;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>
/// Rows beyond <c>RowMemoryLimit</c> are written to a memory-mapped file and trained on from there: on real MNIST the
/// same losses and weights bit for bit as in memory; the file is gone when the fit ends, fails or is cancelled.
/// </summary>
[TestClass]
public sealed class SpilledRowsTests
{
    /// <summary>The files in <paramref name="directory"/> this process has mapped: the rows' files lose their names as
    /// soon as they are opened, so only the process's mappings show them.</summary>
    private static int MappedFilesIn(string directory) =>
        File.ReadLines("/proc/self/maps").Select(line => line.IndexOf(directory + "/", StringComparison.Ordinal) is int at and >= 0 ? line[at..] : null)
            .OfType<string>().Distinct().Count();

    [TestMethod]
    [DataRow(0L, false, DisplayName = "row count known: straight to the file")]
    [DataRow(1_000_000L, true, DisplayName = "row count unknown: in memory until 1 MB, then the file")]
    public void TheLessonFromAMappedFile_TrainsTheSameBitsAsInMemory_AndLeavesNoFile(long limit, bool hideRowCount)
    {
        var (ml, train, valid) = TrainerTestData.MnistRows(8000);
        if (hideRowCount)
        {
            // A filter that removes nothing but leaves the count unknown until the rows are read.
            train = ml.Data.FilterRowsByMissingValues(train, "Features");
            valid = ml.Data.FilterRowsByMissingValues(valid, "Features");
            Assert.IsNull(train.GetRowCount());
        }
        string cache = Directory.CreateTempSubdirectory("minibatch-spill-").FullName;
        try
        {
            var inMemory = ml.MulticlassClassification.Trainers.Minibatch(TrainerTestData.Lesson(valid)).Fit(train);
            var options = TrainerTestData.Lesson(valid);
            options.RowMemoryLimit = limit;
            options.CacheDirectory = cache;
            int filesDuringFit = 0;
            options.EpochCompleted = _ => filesDuringFit = Math.Max(filesDuringFit, MappedFilesIn(cache));
            var mapped = ml.MulticlassClassification.Trainers.Minibatch(options).Fit(train);
            Assert.AreEqual(2, filesDuringFit, "the training and the validation rows each went to a file");
            Assert.IsEmpty(Directory.GetFiles(cache));
            CollectionAssert.AreEqual(inMemory.History.Select(e => e.TrainLoss).ToArray(), mapped.History.Select(e => e.TrainLoss).ToArray());
            CollectionAssert.AreEqual(inMemory.History.Select(e => e.ValidLoss).ToArray(), mapped.History.Select(e => e.ValidLoss).ToArray());
            TrainerTestData.AssertSameWeights(inMemory, mapped);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [TestMethod]
    public void ALoadIdxView_TrainsFromItsMappedFile_TheSameBitsAsCopiedRows()
    {
        var files = Mnist.EnsureFiles();
        var ml = new MLContext(seed: 1);
        var direct = ml.Data.LoadIdx(files.TestImages, files.TestLabels);
        // The same rows behind a filter that removes nothing: the trainer cannot see the file and copies them.
        var copied = ml.Data.FilterRowsByMissingValues(direct, "Features");
        var options = new MinibatchTrainer.Options { HiddenLayers = [50], NumberOfEpochs = 2, Seed = 1, RowMemoryLimit = 0 };
        string cache = Directory.CreateTempSubdirectory("minibatch-spill-").FullName;
        options.CacheDirectory = cache;
        int filesDuringFit = -1;
        options.EpochCompleted = _ => filesDuringFit = MappedFilesIn(cache);
        try
        {
            var fromMap = ml.MulticlassClassification.Trainers.Minibatch(options).Fit(direct);
            Assert.AreEqual(0, filesDuringFit, "the IDX file is read where it is, not spilled");
            var fromCopy = ml.MulticlassClassification.Trainers.Minibatch(options).Fit(copied);
            Assert.AreEqual(1, filesDuringFit, "the filtered view's rows were copied to a file");
            CollectionAssert.AreEqual(fromCopy.History.Select(e => e.TrainLoss).ToArray(), fromMap.History.Select(e => e.TrainLoss).ToArray());
            TrainerTestData.AssertSameWeights(fromCopy, fromMap);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [TestMethod]
    [DataRow(false, DisplayName = "the temporary file")]
    [DataRow(true, DisplayName = "a kept cache file")]
    public void ADiskTooSmallForTheRows_IsNamedBeforeAnyRowIsRead(bool keptFile)
    {
        var (ml, train, valid) = TrainerTestData.MnistRows(8000);
        // A data view that announces 10¹² rows: about 3 PB of float32, more than any disk here holds.
        var huge = new WatchedDataView(train) { AnnouncedRows = 1_000_000_000_000 };
        string cache = Directory.CreateTempSubdirectory("minibatch-spill-").FullName;
        try
        {
            var options = TrainerTestData.Lesson(valid);
            options.CacheDirectory = cache;
            if (keptFile) options.CacheFile = Path.Combine(cache, "rows.cache");
            var e = Assert.ThrowsExactly<IOException>(() => ml.MulticlassClassification.Trainers.Minibatch(options).Fit(huge));
            StringAssert.Contains(e.Message, $"GB on disk in {cache}, which has ");
            StringAssert.Contains(e.Message, keptFile ? "Options.CacheFile" : "Options.CacheDirectory");
            Assert.AreEqual(0, huge.Cursors, "no row was read");
            Assert.IsEmpty(Directory.GetFileSystemEntries(cache));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [TestMethod]
    public void CancellationAndFailure_RemoveTheFile()
    {
        var (ml, train, valid) = TrainerTestData.MnistRows(8000);
        string cache = Directory.CreateTempSubdirectory("minibatch-spill-").FullName;
        try
        {
            using var cancel = new CancellationTokenSource();
            var options = TrainerTestData.Lesson(valid);
            options.RowMemoryLimit = 0;
            options.CacheDirectory = cache;
            options.CancellationToken = cancel.Token;
            options.EpochCompleted = _ => cancel.Cancel();
            Assert.ThrowsExactly<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.Minibatch(options).Fit(train));
            Assert.IsEmpty(Directory.GetFiles(cache));

            var diverging = TrainerTestData.Lesson(valid);
            diverging.RowMemoryLimit = 0;
            diverging.CacheDirectory = cache;
            diverging.LearningRate = 1e6f;
            Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.Minibatch(diverging).Fit(train));
            Assert.IsEmpty(Directory.GetFiles(cache));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }
}

/// <summary>Writing rows to a file says how it goes, every so often, in words a user reads in <c>MLContext.Log</c>.</summary>
[TestClass]
public sealed class WriteProgressTests
{
    [TestMethod]
    public void EveryIntervalAndAtTheEnd_ItSaysHowManyRowsAreWrittenAndWhere()
    {
        var lines = new List<string>();
        var progress = new WriteProgress(lines.Add, "training data", "/data/cache", 784 * 4, TimeSpan.Zero);
        for (int rows = 1; rows <= 200_000; rows++) progress.Written(rows);
        progress.Done(200_000);
        // Looked at once in 65,536 rows: 65,536, 131,072 and 196,608, then the end.
        Assert.HasCount(4, lines, string.Join("\n", lines));
        Assert.AreEqual("The training data: 65,536 rows (0.2 GB) written to /data/cache.", lines[0]);
        StringAssert.Matches(lines[3], new System.Text.RegularExpressions.Regex(@"^The training data: 200,000 rows \(0\.6 GB\) written to /data/cache in \d+ s\.$"));
    }
}
