using Microsoft.ML;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>
/// <c>Options.CacheFile</c>: the training rows kept in a named file, trained on through a memory map, reused while it
/// holds the same rows (compared row by row) and written anew when it does not, or when it changed since; a file that
/// is no such cache, or is damaged, is refused and left as it is; a write that fails or is cancelled leaves the old file
/// or none, and nothing else.
/// </summary>
[TestClass]
public sealed class RowCacheFileTests
{
    private static (MLContext Ml, IDataView First, IDataView Second, IDataView Valid) Mnist()
    {
        var files = Minibatch.Data.Mnist.EnsureFiles();
        var ml = new MLContext(seed: 1);
        var all = ml.Data.LoadIdx(files.TrainImages, files.TrainLabels);
        return (ml, ml.Data.TakeRows(all, 6000), ml.Data.TakeRows(ml.Data.SkipRows(all, 6000), 6000),
            ml.Data.TakeRows(ml.Data.SkipRows(all, 50000), 2000));
    }

    private static MinibatchTrainer.Options Lesson(IDataView valid, string? cacheFile = null)
    {
        var options = TrainerTestData.Lesson(valid);
        options.CacheFile = cacheFile;
        return options;
    }

    /// <summary>Runs <paramref name="test"/> with a new directory and the path of a cache file in it; deletes both after.</summary>
    private static void InNewDirectory(Action<string, string> test)
    {
        string directory = Directory.CreateTempSubdirectory("minibatch-cache-").FullName;
        try
        {
            test(directory, Path.Combine(directory, "rows.cache"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void AKeptFile_TrainsTheSameBits_IsReusedWithoutWriting_AndIsRewrittenForOtherRows()
    {
        var (ml, first, second, valid) = Mnist();
        InNewDirectory((directory, path) =>
        {
            var inMemory = ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid)).Fit(first);
            var written = ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid, path)).Fit(first);
            TrainerTestData.AssertSameWeights(inMemory, written);
            Assert.AreEqual(64 + 6000L * (784 + 1) * 4, new FileInfo(path).Length, "header, float32 rows, int32 labels");
            CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(directory));

            // Marked as old: a fit that wrote the file again would give it a new time.
            var old = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(path, old);
            var reused = ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid, path)).Fit(first);
            Assert.AreEqual(old, File.GetLastWriteTimeUtc(path), "the file was written again");
            TrainerTestData.AssertSameWeights(inMemory, reused);

            var otherRows = ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid, path)).Fit(second);
            Assert.AreNotEqual(old, File.GetLastWriteTimeUtc(path), "the file still holds the first rows");
            TrainerTestData.AssertSameWeights(ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid)).Fit(second), otherRows);
            CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(directory));
        });
    }

    [TestMethod]
    public void AKeptFileChangedSinceItWasWritten_IsWrittenAnew()
    {
        var (ml, first, _, valid) = Mnist();
        InNewDirectory((directory, path) =>
        {
            ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid, path)).Fit(first);
            byte[] written = File.ReadAllBytes(path);
            // One pixel of row 3,000 changed, as a failing disk or another program might: header and length still right.
            long pixel = 64 + (3000L * 784 + 400) * sizeof(float);
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                file.Position = pixel;
                file.Write(BitConverter.GetBytes(0.5f));
            }
            var old = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(path, old);

            var refit = ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid, path)).Fit(first);
            Assert.AreNotEqual(old, File.GetLastWriteTimeUtc(path), "the changed file was trained on as it was");
            CollectionAssert.AreEqual(written, File.ReadAllBytes(path));
            TrainerTestData.AssertSameWeights(ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid)).Fit(first), refit);
        });
    }

    [TestMethod]
    [DataRow("damaged", DisplayName = "a cache cut short")]
    [DataRow("not a row cache", DisplayName = "a CSV file named by mistake")]
    [DataRow("is a directory", DisplayName = "a directory")]
    public void AFileThatIsNoSuchCache_IsRefusedInOneLine_AndLeftAsItIs(string problem)
    {
        var (ml, first, _, valid) = Mnist();
        InNewDirectory((directory, path) =>
        {
            if (problem == "damaged")
            {
                ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid, path)).Fit(first);
                using var file = new FileStream(path, FileMode.Open);
                file.SetLength(file.Length - 4 * 785);
            }
            else if (problem == "not a row cache")
            {
                File.WriteAllText(path, "label,f0,f1\n1,0.5,0.25\n");
            }
            else
            {
                Directory.CreateDirectory(path);
                File.WriteAllText(Path.Combine(path, "notes.txt"), "kept");
            }
            string kept = problem == "is a directory" ? Path.Combine(path, "notes.txt") : path;
            byte[] before = File.ReadAllBytes(kept);
            var e = Assert.ThrowsExactly<IOException>(() => ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid, path)).Fit(first));
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, problem);
            Assert.DoesNotContain("\n", e.Message);
            CollectionAssert.AreEqual(before, File.ReadAllBytes(kept));
            CollectionAssert.AreEqual(new[] { path }, Directory.GetFileSystemEntries(directory), "nothing written beside it");
        });
    }

    [TestMethod]
    public void ACancelledWrite_LeavesTheOldFileOrNone()
    {
        var (ml, first, second, valid) = Mnist();
        InNewDirectory((directory, path) =>
        {
            void CancelHalfWay(IDataView rows)
            {
                using var cancel = new CancellationTokenSource();
                // Cancelled while the rows are being written, at row 3,000 of 6,000 of the pass that writes.
                var watched = new WatchedDataView(rows);
                watched.OnRow = position =>
                {
                    if (position == 3000 && watched.Cursors == (File.Exists(path) ? 2 : 1)) cancel.Cancel();
                };
                var options = Lesson(valid, path);
                options.CancellationToken = cancel.Token;
                Assert.ThrowsExactly<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.Minibatch(options).Fit(watched));
            }
            CancelHalfWay(first);
            Assert.IsEmpty(Directory.GetFiles(directory));

            ml.MulticlassClassification.Trainers.Minibatch(Lesson(valid, path)).Fit(first);
            byte[] kept = File.ReadAllBytes(path);
            CancelHalfWay(second);
            CollectionAssert.AreEqual(kept, File.ReadAllBytes(path));
            CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(directory));
        });
    }
}
